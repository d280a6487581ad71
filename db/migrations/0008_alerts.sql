CREATE TABLE `alerts` (
	`key` text PRIMARY KEY NOT NULL,
	`active` integer DEFAULT false NOT NULL,
	`raised_at` integer,
	`last_sent_at` integer,
	`occurrences` integer DEFAULT 0 NOT NULL
);
