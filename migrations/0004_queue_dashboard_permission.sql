-- The queue dashboard (/admin/queues) is for admins only.
INSERT INTO `permissions` (`name`) VALUES ('queue.dashboard');
--> statement-breakpoint
INSERT INTO `role_permissions` (`role_id`, `permission_id`)
  SELECT 1, `id` FROM `permissions` WHERE `name` = 'queue.dashboard';
