-- Audiences: customer data (external id, origin, typed attributes), tags, topics and their
-- subscriptions, the consent record, and segments.
CREATE TABLE `attribute_definitions` (
	`key` varchar(40) NOT NULL,
	`label` varchar(100) NOT NULL,
	`type` enum('string','number','boolean','date','enum','string_list') NOT NULL,
	`options` json,
	`indexed` boolean NOT NULL DEFAULT false,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `attribute_definitions_key` PRIMARY KEY(`key`)
);
--> statement-breakpoint
CREATE TABLE `consent_events` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`user_id` int unsigned NOT NULL,
	`topic_id` int unsigned,
	`status` enum('subscribed','unsubscribed','pending') NOT NULL,
	`source` varchar(64) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `consent_events_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `customer_tags` (
	`user_id` int unsigned NOT NULL,
	`tag_id` int unsigned NOT NULL,
	CONSTRAINT `customer_tags_user_id_tag_id_pk` PRIMARY KEY(`user_id`,`tag_id`)
);
--> statement-breakpoint
CREATE TABLE `segments` (
	`id` int unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`description` varchar(2000) NOT NULL DEFAULT '',
	`filter` json NOT NULL,
	`version` int unsigned NOT NULL DEFAULT 1,
	`created_by` int unsigned,
	`updated_by` int unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `segments_id` PRIMARY KEY(`id`),
	CONSTRAINT `segments_name_unique` UNIQUE(`name`)
);
--> statement-breakpoint
CREATE TABLE `tags` (
	`id` int unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(64) NOT NULL,
	CONSTRAINT `tags_id` PRIMARY KEY(`id`),
	CONSTRAINT `tags_name_unique` UNIQUE(`name`)
);
--> statement-breakpoint
CREATE TABLE `topic_subscriptions` (
	`topic_id` int unsigned NOT NULL,
	`user_id` int unsigned NOT NULL,
	`status` enum('subscribed','unsubscribed','pending') NOT NULL,
	`source` varchar(64) NOT NULL,
	`changed_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `topic_subscriptions_topic_id_user_id_pk` PRIMARY KEY(`topic_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `topics` (
	`id` int unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(100) NOT NULL,
	`description` varchar(2000) NOT NULL DEFAULT '',
	`double_opt_in` boolean NOT NULL DEFAULT false,
	`subscribe_on_signup` boolean NOT NULL DEFAULT true,
	`created_by` int unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `topics_id` PRIMARY KEY(`id`),
	CONSTRAINT `topics_name_unique` UNIQUE(`name`)
);
--> statement-breakpoint
-- One statement for the users table: adding columns at the end is instant in MariaDB and MySQL;
-- existing users all count as signed up. An external id is another system's key: compared exactly.
ALTER TABLE `users` ADD `external_id` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
  ADD `origin` enum('signup','import','api','admin') DEFAULT 'signup' NOT NULL,
  ADD `attributes` json DEFAULT ('{}') NOT NULL,
  ADD CONSTRAINT `users_external_id_unique` UNIQUE(`external_id`);--> statement-breakpoint
ALTER TABLE `consent_events` ADD CONSTRAINT `consent_events_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `customer_tags` ADD CONSTRAINT `customer_tags_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `customer_tags` ADD CONSTRAINT `customer_tags_tag_id_tags_id_fk` FOREIGN KEY (`tag_id`) REFERENCES `tags`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `segments` ADD CONSTRAINT `segments_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `segments` ADD CONSTRAINT `segments_updated_by_users_id_fk` FOREIGN KEY (`updated_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `topic_subscriptions` ADD CONSTRAINT `topic_subscriptions_topic_id_topics_id_fk` FOREIGN KEY (`topic_id`) REFERENCES `topics`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `topic_subscriptions` ADD CONSTRAINT `topic_subscriptions_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `topics` ADD CONSTRAINT `topics_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `consent_events_user_idx` ON `consent_events` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `customer_tags_tag_idx` ON `customer_tags` (`tag_id`);--> statement-breakpoint
CREATE INDEX `topic_subscriptions_user_idx` ON `topic_subscriptions` (`user_id`);--> statement-breakpoint
-- Topic 1 exists everywhere: campaigns default to it.
INSERT INTO `topics` (`id`, `name`, `description`, `double_opt_in`, `subscribe_on_signup`)
  VALUES (1, 'General', '', false, true);--> statement-breakpoint
-- Customers who take email today keep getting it: subscribed to General, and the change recorded.
INSERT INTO `topic_subscriptions` (`topic_id`, `user_id`, `status`, `source`)
  SELECT 1, `id`, 'subscribed', 'migration' FROM `users` WHERE `role_id` = 3 AND `email_opt_in` = true;--> statement-breakpoint
INSERT INTO `consent_events` (`user_id`, `topic_id`, `status`, `source`)
  SELECT `user_id`, 1, 'subscribed', 'migration' FROM `topic_subscriptions` WHERE `topic_id` = 1;
