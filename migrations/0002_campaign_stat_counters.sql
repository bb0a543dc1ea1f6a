ALTER TABLE `campaigns` ADD `stat_recipients` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `stat_pending` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `stat_sent` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `stat_failed` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `stat_skipped` int unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `campaigns` c SET
  `stat_recipients` = (SELECT COUNT(*) FROM `campaign_deliveries` d WHERE d.`campaign_id` = c.`id`),
  `stat_pending` = (SELECT COUNT(*) FROM `campaign_deliveries` d WHERE d.`campaign_id` = c.`id` AND d.`status` = 'pending'),
  `stat_sent` = (SELECT COUNT(*) FROM `campaign_deliveries` d WHERE d.`campaign_id` = c.`id` AND d.`status` = 'sent'),
  `stat_failed` = (SELECT COUNT(*) FROM `campaign_deliveries` d WHERE d.`campaign_id` = c.`id` AND d.`status` = 'failed'),
  `stat_skipped` = (SELECT COUNT(*) FROM `campaign_deliveries` d WHERE d.`campaign_id` = c.`id` AND d.`status` = 'skipped');
