CREATE TABLE `workers` (
	`id` text PRIMARY KEY NOT NULL,
	`pid` integer,
	`started_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL,
	`stopped_at` integer
);
--> statement-breakpoint
ALTER TABLE `jobs` ADD `first_failed_at` integer;--> statement-breakpoint
-- Open jobs queued under the old default of 8 attempts get the new cap: the retry time budget
-- (JOB_RETRY_BUDGET_MS) decides when they give up now.
UPDATE `jobs` SET `max_attempts` = 1000 WHERE `max_attempts` = 8 AND `state` IN ('pending', 'running');
