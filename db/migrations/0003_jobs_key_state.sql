DROP INDEX `jobs_order_key_idx`;--> statement-breakpoint
CREATE INDEX `jobs_order_key_state_idx` ON `jobs` (`order_key`,`state`,`id`);