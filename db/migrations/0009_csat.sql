CREATE TABLE `csat_surveys` (
	`conversation_id` integer PRIMARY KEY NOT NULL,
	`agent_user_id` text,
	`agent_name` text,
	`asked_at` integer NOT NULL,
	`rating` integer,
	`rated_at` integer
);
--> statement-breakpoint
CREATE INDEX `csat_surveys_rated_idx` ON `csat_surveys` (`rated_at`,`agent_user_id`,`rating`);