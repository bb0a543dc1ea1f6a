-- Bounces, complaints and the suppression list (adding enum values at the end is a metadata-only change).
CREATE TABLE `delivery_events` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`source` enum('ses','postmark','sendgrid','generic','mailbox') NOT NULL,
	`event_id` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`kind` enum('hard_bounce','soft_bounce','complaint') NOT NULL,
	`email` varchar(254),
	`campaign_id` int unsigned,
	`user_id` int unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `delivery_events_id` PRIMARY KEY(`id`),
	CONSTRAINT `delivery_events_source_event_idx` UNIQUE(`source`,`event_id`)
);
--> statement-breakpoint
CREATE TABLE `suppressions` (
	`email` varchar(254) NOT NULL,
	`reason` enum('hard_bounce','soft_bounce','complaint','manual') NOT NULL,
	`source` enum('ses','postmark','sendgrid','generic','mailbox','admin') NOT NULL,
	`detail` varchar(1000) NOT NULL DEFAULT '',
	`campaign_id` int unsigned,
	`created_by` int unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `suppressions_email` PRIMARY KEY(`email`)
);
--> statement-breakpoint
ALTER TABLE `campaign_deliveries` MODIFY COLUMN `status` enum('pending','sent','failed','skipped','bounced','complained') NOT NULL DEFAULT 'pending';--> statement-breakpoint
ALTER TABLE `campaigns` ADD `stat_bounced` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `stat_complained` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `suppressions` ADD CONSTRAINT `suppressions_campaign_id_campaigns_id_fk` FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `suppressions` ADD CONSTRAINT `suppressions_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `delivery_events_email_kind_idx` ON `delivery_events` (`email`,`kind`,`created_at`);--> statement-breakpoint
-- The suppression list is for admins only.
INSERT INTO `permissions` (`name`) VALUES ('suppression.list'), ('suppression.manage');
--> statement-breakpoint
INSERT INTO `role_permissions` (`role_id`, `permission_id`)
  SELECT 1, `id` FROM `permissions` WHERE `name` IN ('suppression.list', 'suppression.manage');
