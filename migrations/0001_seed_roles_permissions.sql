-- Roles and the permission matrix of API.md §1 (plus audit.list, admin only).
INSERT INTO `roles` (`id`, `name`) VALUES (1, 'admin'), (2, 'manager'), (3, 'customer');
--> statement-breakpoint
INSERT INTO `permissions` (`name`) VALUES
  ('user.create'), ('user.update'), ('user.delete'), ('user.fetch'), ('user.list'),
  ('campaign.create'), ('campaign.update'), ('campaign.delete'), ('campaign.fetch'), ('campaign.list'),
  ('campaign.approve_reject'), ('campaign.control'), ('audit.list');
--> statement-breakpoint
INSERT INTO `role_permissions` (`role_id`, `permission_id`)
  SELECT 1, `id` FROM `permissions`;
--> statement-breakpoint
INSERT INTO `role_permissions` (`role_id`, `permission_id`)
  SELECT 2, `id` FROM `permissions` WHERE `name` IN
    ('user.fetch', 'user.list', 'campaign.create', 'campaign.update', 'campaign.delete', 'campaign.fetch', 'campaign.list');
--> statement-breakpoint
INSERT INTO `role_permissions` (`role_id`, `permission_id`)
  SELECT 3, `id` FROM `permissions` WHERE `name` IN ('campaign.fetch', 'campaign.list');
