ALTER TABLE `slack_threads` ADD `root_window_ends_at` integer;--> statement-breakpoint
ALTER TABLE `slack_threads` ADD `root_updated_at` integer;