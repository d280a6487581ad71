CREATE TABLE `conversation_state_counts` (
	`state` text PRIMARY KEY NOT NULL,
	`n` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `failed_send_counts` (
	`code` text PRIMARY KEY NOT NULL,
	`n` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
DROP INDEX `ai_calls_created_idx`;--> statement-breakpoint
CREATE INDEX `ai_calls_created_cost_idx` ON `ai_calls` (`created_at`,`cost_usd`);--> statement-breakpoint
CREATE INDEX `conversations_created_idx` ON `conversations` (`created_at`,`handoff_at`);--> statement-breakpoint
CREATE INDEX `conversations_queue_idx` ON `conversations` (`state`) WHERE "conversations"."state" IN ('escalated', 'agent');--> statement-breakpoint
CREATE INDEX `jobs_open_kind_state_idx` ON `jobs` (`kind`,`state`) WHERE "jobs"."state" <> 'done';--> statement-breakpoint
CREATE INDEX `messages_created_idx` ON `messages` (`created_at`);--> statement-breakpoint
CREATE INDEX `slack_threads_created_idx` ON `slack_threads` (`created_at`,`first_human_reply_at`);--> statement-breakpoint
-- Roll-ups for /metrics, kept by triggers so that every write is counted in its own transaction,
-- exactly once, whichever code path makes it. Filled from the existing rows first.
INSERT INTO `conversation_state_counts` (`state`, `n`)
  SELECT `state`, count(*) FROM `conversations` GROUP BY `state`;--> statement-breakpoint
CREATE TRIGGER `conversation_state_counts_insert` AFTER INSERT ON `conversations` BEGIN
  INSERT INTO `conversation_state_counts` (`state`, `n`) VALUES (new.`state`, 1)
    ON CONFLICT (`state`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `conversation_state_counts_update` AFTER UPDATE OF `state` ON `conversations`
WHEN old.`state` IS NOT new.`state` BEGIN
  UPDATE `conversation_state_counts` SET `n` = `n` - 1 WHERE `state` = old.`state`;
  INSERT INTO `conversation_state_counts` (`state`, `n`) VALUES (new.`state`, 1)
    ON CONFLICT (`state`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `conversation_state_counts_delete` AFTER DELETE ON `conversations` BEGIN
  UPDATE `conversation_state_counts` SET `n` = `n` - 1 WHERE `state` = old.`state`;
END;--> statement-breakpoint
INSERT INTO `failed_send_counts` (`code`, `n`)
  SELECT coalesce(CAST(`error_code` AS TEXT), 'none'), count(*) FROM `messages`
  WHERE `direction` = 'out' AND `status` = 'failed' GROUP BY 1;--> statement-breakpoint
CREATE TRIGGER `failed_send_counts_insert` AFTER INSERT ON `messages`
WHEN new.`direction` = 'out' AND new.`status` = 'failed' BEGIN
  INSERT INTO `failed_send_counts` (`code`, `n`)
    VALUES (coalesce(CAST(new.`error_code` AS TEXT), 'none'), 1)
    ON CONFLICT (`code`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `failed_send_counts_update` AFTER UPDATE OF `direction`, `status`, `error_code` ON `messages`
WHEN (old.`direction` = 'out' AND old.`status` = 'failed')
  OR (new.`direction` = 'out' AND new.`status` = 'failed') BEGIN
  UPDATE `failed_send_counts` SET `n` = `n` - 1
    WHERE old.`direction` = 'out' AND old.`status` = 'failed'
      AND `code` = coalesce(CAST(old.`error_code` AS TEXT), 'none');
  INSERT INTO `failed_send_counts` (`code`, `n`)
    SELECT coalesce(CAST(new.`error_code` AS TEXT), 'none'), 1
    WHERE new.`direction` = 'out' AND new.`status` = 'failed'
    ON CONFLICT (`code`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `failed_send_counts_delete` AFTER DELETE ON `messages`
WHEN old.`direction` = 'out' AND old.`status` = 'failed' BEGIN
  UPDATE `failed_send_counts` SET `n` = `n` - 1
    WHERE `code` = coalesce(CAST(old.`error_code` AS TEXT), 'none');
END;
