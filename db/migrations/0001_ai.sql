CREATE TABLE `ai_calls` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`conversation_id` integer,
	`turn_message_id` integer,
	`purpose` text NOT NULL,
	`tier` text NOT NULL,
	`model` text NOT NULL,
	`outcome` text NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	`cache_read_tokens` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`latency_ms` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ai_calls_created_idx` ON `ai_calls` (`created_at`);--> statement-breakpoint
CREATE INDEX `ai_calls_conversation_idx` ON `ai_calls` (`conversation_id`);--> statement-breakpoint
CREATE TABLE `answer_cache` (
	`key` text PRIMARY KEY NOT NULL,
	`question` text NOT NULL,
	`answer` text NOT NULL,
	`language` text NOT NULL,
	`hits` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `answer_cache_expires_idx` ON `answer_cache` (`expires_at`);--> statement-breakpoint
CREATE TABLE `counters` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer DEFAULT 0 NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
ALTER TABLE `conversations` ADD `summary_through_message_id` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `handoff_reason` text;--> statement-breakpoint
ALTER TABLE `conversations` ADD `handoff_at` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `last_confidence` real;--> statement-breakpoint
ALTER TABLE `conversations` ADD `ai_calls` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `ai_cost_usd` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `injection` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `ai_tier` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `ai_confidence` real;--> statement-breakpoint
ALTER TABLE `messages` ADD `cost_usd` real;