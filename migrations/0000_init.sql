CREATE TABLE `audit_events` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`actor_id` int unsigned,
	`action` varchar(64) NOT NULL,
	`target_type` varchar(32) NOT NULL,
	`target_id` int unsigned,
	`details` json,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `audit_events_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `campaign_deliveries` (
	`campaign_id` int unsigned NOT NULL,
	`user_id` int unsigned NOT NULL,
	`email` varchar(254) NOT NULL,
	`batch_no` int unsigned NOT NULL,
	`status` enum('pending','sent','failed','skipped') NOT NULL DEFAULT 'pending',
	`attempts` smallint unsigned NOT NULL DEFAULT 0,
	`last_error` varchar(1000),
	`sent_at` datetime(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `campaign_deliveries_campaign_id_user_id_pk` PRIMARY KEY(`campaign_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` int unsigned AUTO_INCREMENT NOT NULL,
	`type` enum('campaign','promotion') NOT NULL,
	`title` varchar(255) NOT NULL,
	`live_title` varchar(255),
	`description` varchar(2000) NOT NULL DEFAULT '',
	`remarks` varchar(2000) NOT NULL DEFAULT '',
	`subject` varchar(255) NOT NULL,
	`body_html` mediumtext NOT NULL,
	`body_text` mediumtext NOT NULL,
	`promo_code` varchar(64),
	`start_time` datetime(3),
	`end_time` datetime(3),
	`status` enum('draft','pending_approval','rejected','scheduled','sending','paused','completed','cancelled') NOT NULL DEFAULT 'draft',
	`rejection_reason` varchar(2000),
	`created_by` int unsigned,
	`updated_by` int unsigned,
	`approved_by` int unsigned,
	`approved_at` datetime(3),
	`started_at` datetime(3),
	`completed_at` datetime(3),
	`fanout_cursor` int unsigned NOT NULL DEFAULT 0,
	`fanout_done` boolean NOT NULL DEFAULT false,
	`deleted_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `campaigns_id` PRIMARY KEY(`id`),
	CONSTRAINT `campaigns_live_title_unique` UNIQUE(`live_title`)
);
--> statement-breakpoint
CREATE TABLE `permissions` (
	`id` smallint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(64) NOT NULL,
	CONSTRAINT `permissions_id` PRIMARY KEY(`id`),
	CONSTRAINT `permissions_name_unique` UNIQUE(`name`)
);
--> statement-breakpoint
CREATE TABLE `role_permissions` (
	`role_id` tinyint unsigned NOT NULL,
	`permission_id` smallint unsigned NOT NULL,
	CONSTRAINT `role_permissions_role_id_permission_id_pk` PRIMARY KEY(`role_id`,`permission_id`)
);
--> statement-breakpoint
CREATE TABLE `roles` (
	`id` tinyint unsigned NOT NULL,
	`name` varchar(32) NOT NULL,
	CONSTRAINT `roles_id` PRIMARY KEY(`id`),
	CONSTRAINT `roles_name_unique` UNIQUE(`name`)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` int unsigned AUTO_INCREMENT NOT NULL,
	`email` varchar(254) NOT NULL,
	`password_hash` varchar(255) NOT NULL,
	`first_name` varchar(100) NOT NULL,
	`last_name` varchar(100) NOT NULL,
	`role_id` tinyint unsigned NOT NULL,
	`status` enum('active','disabled') NOT NULL DEFAULT 'active',
	`email_opt_in` boolean NOT NULL DEFAULT true,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `users_id` PRIMARY KEY(`id`),
	CONSTRAINT `users_email_unique` UNIQUE(`email`)
);
--> statement-breakpoint
ALTER TABLE `campaign_deliveries` ADD CONSTRAINT `campaign_deliveries_campaign_id_campaigns_id_fk` FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `campaigns` ADD CONSTRAINT `campaigns_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `campaigns` ADD CONSTRAINT `campaigns_updated_by_users_id_fk` FOREIGN KEY (`updated_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `campaigns` ADD CONSTRAINT `campaigns_approved_by_users_id_fk` FOREIGN KEY (`approved_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `role_permissions` ADD CONSTRAINT `role_permissions_role_id_roles_id_fk` FOREIGN KEY (`role_id`) REFERENCES `roles`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `role_permissions` ADD CONSTRAINT `role_permissions_permission_id_permissions_id_fk` FOREIGN KEY (`permission_id`) REFERENCES `permissions`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `users` ADD CONSTRAINT `users_role_id_roles_id_fk` FOREIGN KEY (`role_id`) REFERENCES `roles`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `audit_events_target_idx` ON `audit_events` (`target_type`,`target_id`);--> statement-breakpoint
CREATE INDEX `audit_events_created_idx` ON `audit_events` (`created_at`);--> statement-breakpoint
CREATE INDEX `campaign_deliveries_batch_idx` ON `campaign_deliveries` (`campaign_id`,`batch_no`,`status`);--> statement-breakpoint
CREATE INDEX `campaign_deliveries_status_idx` ON `campaign_deliveries` (`campaign_id`,`status`,`batch_no`);--> statement-breakpoint
CREATE INDEX `campaigns_status_idx` ON `campaigns` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `campaigns_created_by_idx` ON `campaigns` (`created_by`);--> statement-breakpoint
CREATE INDEX `users_role_status_idx` ON `users` (`role_id`,`status`,`email_opt_in`,`id`);