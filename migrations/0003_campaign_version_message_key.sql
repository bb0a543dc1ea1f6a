ALTER TABLE `campaigns` ADD `message_key` varchar(32) NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `version` int unsigned DEFAULT 1 NOT NULL;--> statement-breakpoint
UPDATE `campaigns` SET `message_key` = LOWER(HEX(RANDOM_BYTES(16))) WHERE `message_key` = '';
