CREATE TABLE `slack_threads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`conversation_id` integer NOT NULL,
	`channel` text NOT NULL,
	`root_ts` text,
	`status` text NOT NULL,
	`agent_user_id` text,
	`agent_name` text,
	`reason` text NOT NULL,
	`confidence` real,
	`language` text,
	`customer_waiting_since` integer,
	`reminders_sent` integer DEFAULT 0 NOT NULL,
	`last_reminder_at` integer,
	`window_warned_for` integer,
	`bridge_sent_at` integer,
	`first_human_reply_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `slack_threads_conversation_unique` ON `slack_threads` (`conversation_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `slack_threads_root_unique` ON `slack_threads` (`channel`,`root_ts`);--> statement-breakpoint
CREATE INDEX `slack_threads_status_idx` ON `slack_threads` (`status`);--> statement-breakpoint
CREATE TABLE `slack_users` (
	`user_id` text PRIMARY KEY NOT NULL,
	`display_name` text NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `slack_channel` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `slack_ts` text;--> statement-breakpoint
CREATE INDEX `messages_slack_idx` ON `messages` (`slack_channel`,`slack_ts`) WHERE "messages"."slack_ts" IS NOT NULL;