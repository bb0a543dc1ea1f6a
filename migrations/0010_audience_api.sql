-- Tag names ignore case but not accents: "VIP" and "vip" are one tag, "Ärger" and "arger" two.
-- The name is kept byte for byte as first given; a stored LOWER() of it carries the unique index
-- (a collation would also take "ß" for "ss" and ignore trailing spaces).
ALTER TABLE `tags` DROP INDEX `tags_name_unique`,
  MODIFY `name` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  ADD `name_key` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin GENERATED ALWAYS AS (LOWER(`name`)) STORED,
  ADD CONSTRAINT `tags_name_key_unique` UNIQUE(`name_key`);--> statement-breakpoint
-- The audience API: customers, attributes, topics (staff side) and segments.
INSERT INTO `permissions` (`name`) VALUES
  ('customer.list'), ('customer.fetch'), ('customer.manage'),
  ('attribute.list'), ('attribute.manage'),
  ('topic.list'), ('topic.manage'),
  ('segment.list'), ('segment.fetch'), ('segment.create'), ('segment.update'), ('segment.delete');--> statement-breakpoint
INSERT INTO `role_permissions` (`role_id`, `permission_id`)
  SELECT 1, `id` FROM `permissions` WHERE `name` IN ('customer.list', 'customer.fetch', 'customer.manage',
    'attribute.list', 'attribute.manage', 'topic.list', 'topic.manage',
    'segment.list', 'segment.fetch', 'segment.create', 'segment.update', 'segment.delete');--> statement-breakpoint
-- Managers read customers, attributes and topics, and keep segments (changing only their own).
INSERT INTO `role_permissions` (`role_id`, `permission_id`)
  SELECT 2, `id` FROM `permissions` WHERE `name` IN ('customer.list', 'customer.fetch', 'attribute.list', 'topic.list',
    'segment.list', 'segment.fetch', 'segment.create', 'segment.update', 'segment.delete');
