CREATE TABLE `agent_actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`conversation_id` integer NOT NULL,
	`cause_message_id` integer,
	`source` text NOT NULL,
	`action` text NOT NULL,
	`args` text NOT NULL,
	`outcome` text NOT NULL,
	`detail` text,
	`idempotency_key` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agent_actions_idempotency_unique` ON `agent_actions` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `agent_actions_conversation_idx` ON `agent_actions` (`conversation_id`,`id`);--> statement-breakpoint
CREATE TABLE `contact_fields` (
	`contact_id` integer NOT NULL,
	`field` text NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`contact_id`, `field`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `contacts` ADD `lifecycle_stage` text;--> statement-breakpoint
ALTER TABLE `conversations` ADD `team` text;