CREATE INDEX `campaigns_status_updated_idx` ON `campaigns` (`status`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `campaigns_updated_idx` ON `campaigns` (`updated_at`,`id`);