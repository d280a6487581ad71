CREATE TABLE `home_daily` (
	`metric` text NOT NULL,
	`day` integer NOT NULL,
	`key` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	`total` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`metric`, `day`, `key`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `home_hourly` (
	`metric` text NOT NULL,
	`hour` integer NOT NULL,
	`key` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	`total` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`metric`, `hour`, `key`)
) WITHOUT ROWID;
--> statement-breakpoint
DROP INDEX `slack_threads_created_idx`;--> statement-breakpoint
CREATE INDEX `slack_threads_created_agent_idx` ON `slack_threads` (`created_at`,`first_human_reply_at`,`agent_user_id`);--> statement-breakpoint
CREATE INDEX `ai_calls_turn_idx` ON `ai_calls` (`turn_message_id`) WHERE "ai_calls"."turn_message_id" IS NOT NULL;--> statement-breakpoint
-- The Home tab's figures per UTC hour (see `homeHourly` in src/store/schema.ts), kept by triggers
-- like the roll-ups of 0006: each write is counted in its own transaction, exactly once, whichever
-- code path makes it (retention's deletes included). Filled from the existing rows first. A
-- metric's contribution is taken off with the old row's values and added with the new row's, so
-- an update of any column it depends on moves it. Rows that fall to zero are kept (harmless).
-- WITHOUT ROWID (added by hand: drizzle-kit cannot say it) clusters both tables on their keys,
-- so a range of hours or days of one metric is one contiguous read.
-- home_daily follows home_hourly: every change of an hourly row is applied to its UTC day (an
-- upsert's DO UPDATE fires the UPDATE trigger). Created before the backfill below, which it
-- therefore fills too.
CREATE TRIGGER `home_daily_insert` AFTER INSERT ON `home_hourly` BEGIN
  INSERT INTO `home_daily` (`metric`, `day`, `key`, `n`, `total`)
    VALUES (new.`metric`, new.`hour` / 24, new.`key`, new.`n`, new.`total`)
    ON CONFLICT (`metric`, `day`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
END;
--> statement-breakpoint
CREATE TRIGGER `home_daily_update` AFTER UPDATE ON `home_hourly` BEGIN
  UPDATE `home_daily` SET `n` = `n` - old.`n`, `total` = `total` - old.`total`
    WHERE `metric` = old.`metric` AND `day` = old.`hour` / 24 AND `key` = old.`key`;
  INSERT INTO `home_daily` (`metric`, `day`, `key`, `n`, `total`)
    VALUES (new.`metric`, new.`hour` / 24, new.`key`, new.`n`, new.`total`)
    ON CONFLICT (`metric`, `day`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
END;
--> statement-breakpoint
CREATE TRIGGER `home_daily_delete` AFTER DELETE ON `home_hourly` BEGIN
  UPDATE `home_daily` SET `n` = `n` - old.`n`, `total` = `total` - old.`total`
    WHERE `metric` = old.`metric` AND `day` = old.`hour` / 24 AND `key` = old.`key`;
END;
--> statement-breakpoint
INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
  SELECT 'conversations', `created_at` / 3600000, '', count(*), 0 FROM `conversations` GROUP BY 2;
--> statement-breakpoint
INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
  SELECT 'escalated', `created_at` / 3600000, '', count(*), 0 FROM `conversations`
  WHERE `handoff_at` IS NOT NULL GROUP BY 2;
--> statement-breakpoint
INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
  SELECT 'handoffs', `handoff_at` / 3600000, coalesce(`handoff_reason`, 'unknown'), count(*), 0
  FROM `conversations` WHERE `handoff_at` IS NOT NULL GROUP BY 2, 3;
--> statement-breakpoint
INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
  SELECT 'ai_calls', `created_at` / 3600000, `tier`, count(*), total(`cost_usd`) FROM `ai_calls` GROUP BY 2, 3;
--> statement-breakpoint
INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
  SELECT 'ai_latency', `created_at` / 3600000, CASE WHEN `latency_ms` <= 100 THEN '100' WHEN `latency_ms` <= 150 THEN '150' WHEN `latency_ms` <= 200 THEN '200' WHEN `latency_ms` <= 250 THEN '250' WHEN `latency_ms` <= 300 THEN '300' WHEN `latency_ms` <= 400 THEN '400' WHEN `latency_ms` <= 500 THEN '500' WHEN `latency_ms` <= 600 THEN '600' WHEN `latency_ms` <= 800 THEN '800' WHEN `latency_ms` <= 1000 THEN '1000' WHEN `latency_ms` <= 1250 THEN '1250' WHEN `latency_ms` <= 1500 THEN '1500' WHEN `latency_ms` <= 2000 THEN '2000' WHEN `latency_ms` <= 2500 THEN '2500' WHEN `latency_ms` <= 3000 THEN '3000' WHEN `latency_ms` <= 4000 THEN '4000' WHEN `latency_ms` <= 5000 THEN '5000' WHEN `latency_ms` <= 6000 THEN '6000' WHEN `latency_ms` <= 8000 THEN '8000' WHEN `latency_ms` <= 10000 THEN '10000' WHEN `latency_ms` <= 12500 THEN '12500' WHEN `latency_ms` <= 15000 THEN '15000' WHEN `latency_ms` <= 20000 THEN '20000' WHEN `latency_ms` <= 30000 THEN '30000' WHEN `latency_ms` <= 60000 THEN '60000' ELSE 'inf' END, count(*), total(`latency_ms`)
  FROM `ai_calls` WHERE `purpose` = 'answer' GROUP BY 2, 3;
--> statement-breakpoint
INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
  SELECT 'ai_turns', a.`created_at` / 3600000, '', count(*), 0 FROM `ai_calls` a
  WHERE a.`turn_message_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `ai_calls` e WHERE e.`turn_message_id` = a.`turn_message_id` AND e.`id` < a.`id`) GROUP BY 2;
--> statement-breakpoint
INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
  SELECT 'messages', `created_at` / 3600000, `direction`, count(*), 0 FROM `messages` GROUP BY 2, 3;
--> statement-breakpoint
INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
  SELECT 'replies', `created_at` / 3600000, `ai_tier`, count(*), 0 FROM `messages`
  WHERE `direction` = 'out' AND `ai_tier` IS NOT NULL GROUP BY 2, 3;
--> statement-breakpoint
INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
  SELECT 'failed', `created_at` / 3600000, coalesce(CAST(`error_code` AS TEXT), 'none'), count(*), 0
  FROM `messages` WHERE `direction` = 'out' AND `status` = 'failed' GROUP BY 2, 3;
--> statement-breakpoint
CREATE TRIGGER `home_hourly_conversations_insert` AFTER INSERT ON `conversations` BEGIN
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'conversations', new.`created_at` / 3600000, '', 1, 0 WHERE 1
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'escalated', new.`created_at` / 3600000, '', 1, 0 WHERE new.`handoff_at` IS NOT NULL
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'handoffs', new.`handoff_at` / 3600000, coalesce(new.`handoff_reason`, 'unknown'), 1, 0 WHERE new.`handoff_at` IS NOT NULL
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
END;
--> statement-breakpoint
CREATE TRIGGER `home_hourly_conversations_update`
  AFTER UPDATE OF `created_at`, `handoff_at`, `handoff_reason` ON `conversations`
  WHEN old.`created_at` IS NOT new.`created_at` OR old.`handoff_at` IS NOT new.`handoff_at`
    OR old.`handoff_reason` IS NOT new.`handoff_reason` BEGIN
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'conversations' AND `hour` = old.`created_at` / 3600000 AND `key` = '' AND 1;
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'escalated' AND `hour` = old.`created_at` / 3600000 AND `key` = '' AND old.`handoff_at` IS NOT NULL;
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'handoffs' AND `hour` = old.`handoff_at` / 3600000 AND `key` = coalesce(old.`handoff_reason`, 'unknown') AND old.`handoff_at` IS NOT NULL;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'conversations', new.`created_at` / 3600000, '', 1, 0 WHERE 1
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'escalated', new.`created_at` / 3600000, '', 1, 0 WHERE new.`handoff_at` IS NOT NULL
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'handoffs', new.`handoff_at` / 3600000, coalesce(new.`handoff_reason`, 'unknown'), 1, 0 WHERE new.`handoff_at` IS NOT NULL
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
END;
--> statement-breakpoint
CREATE TRIGGER `home_hourly_conversations_delete` AFTER DELETE ON `conversations` BEGIN
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'conversations' AND `hour` = old.`created_at` / 3600000 AND `key` = '' AND 1;
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'escalated' AND `hour` = old.`created_at` / 3600000 AND `key` = '' AND old.`handoff_at` IS NOT NULL;
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'handoffs' AND `hour` = old.`handoff_at` / 3600000 AND `key` = coalesce(old.`handoff_reason`, 'unknown') AND old.`handoff_at` IS NOT NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `home_hourly_ai_calls_insert` AFTER INSERT ON `ai_calls` BEGIN
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'ai_calls', new.`created_at` / 3600000, new.`tier`, 1, new.`cost_usd` WHERE 1
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'ai_latency', new.`created_at` / 3600000, CASE WHEN new.`latency_ms` <= 100 THEN '100' WHEN new.`latency_ms` <= 150 THEN '150' WHEN new.`latency_ms` <= 200 THEN '200' WHEN new.`latency_ms` <= 250 THEN '250' WHEN new.`latency_ms` <= 300 THEN '300' WHEN new.`latency_ms` <= 400 THEN '400' WHEN new.`latency_ms` <= 500 THEN '500' WHEN new.`latency_ms` <= 600 THEN '600' WHEN new.`latency_ms` <= 800 THEN '800' WHEN new.`latency_ms` <= 1000 THEN '1000' WHEN new.`latency_ms` <= 1250 THEN '1250' WHEN new.`latency_ms` <= 1500 THEN '1500' WHEN new.`latency_ms` <= 2000 THEN '2000' WHEN new.`latency_ms` <= 2500 THEN '2500' WHEN new.`latency_ms` <= 3000 THEN '3000' WHEN new.`latency_ms` <= 4000 THEN '4000' WHEN new.`latency_ms` <= 5000 THEN '5000' WHEN new.`latency_ms` <= 6000 THEN '6000' WHEN new.`latency_ms` <= 8000 THEN '8000' WHEN new.`latency_ms` <= 10000 THEN '10000' WHEN new.`latency_ms` <= 12500 THEN '12500' WHEN new.`latency_ms` <= 15000 THEN '15000' WHEN new.`latency_ms` <= 20000 THEN '20000' WHEN new.`latency_ms` <= 30000 THEN '30000' WHEN new.`latency_ms` <= 60000 THEN '60000' ELSE 'inf' END, 1, new.`latency_ms` WHERE new.`purpose` = 'answer'
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'ai_turns', new.`created_at` / 3600000, '', 1, 0 WHERE new.`turn_message_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `ai_calls` e WHERE e.`turn_message_id` = new.`turn_message_id` AND e.`id` < new.`id`)
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
END;
--> statement-breakpoint
-- A call moving to another turn would change which call is first of two turns: calls are
-- recorded once (src/ai/call-log.ts) and never moved, so that is refused rather than half-counted.
CREATE TRIGGER `home_hourly_ai_calls_turn_fixed` BEFORE UPDATE OF `turn_message_id` ON `ai_calls`
  WHEN old.`turn_message_id` IS NOT new.`turn_message_id` BEGIN
  SELECT RAISE(ABORT, 'ai_calls.turn_message_id cannot change (home_hourly roll-up)');
END;
--> statement-breakpoint
CREATE TRIGGER `home_hourly_ai_calls_update`
  AFTER UPDATE OF `created_at`, `tier`, `cost_usd`, `purpose`, `latency_ms` ON `ai_calls` BEGIN
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (old.`cost_usd`)
    WHERE `metric` = 'ai_calls' AND `hour` = old.`created_at` / 3600000 AND `key` = old.`tier` AND 1;
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (old.`latency_ms`)
    WHERE `metric` = 'ai_latency' AND `hour` = old.`created_at` / 3600000 AND `key` = CASE WHEN old.`latency_ms` <= 100 THEN '100' WHEN old.`latency_ms` <= 150 THEN '150' WHEN old.`latency_ms` <= 200 THEN '200' WHEN old.`latency_ms` <= 250 THEN '250' WHEN old.`latency_ms` <= 300 THEN '300' WHEN old.`latency_ms` <= 400 THEN '400' WHEN old.`latency_ms` <= 500 THEN '500' WHEN old.`latency_ms` <= 600 THEN '600' WHEN old.`latency_ms` <= 800 THEN '800' WHEN old.`latency_ms` <= 1000 THEN '1000' WHEN old.`latency_ms` <= 1250 THEN '1250' WHEN old.`latency_ms` <= 1500 THEN '1500' WHEN old.`latency_ms` <= 2000 THEN '2000' WHEN old.`latency_ms` <= 2500 THEN '2500' WHEN old.`latency_ms` <= 3000 THEN '3000' WHEN old.`latency_ms` <= 4000 THEN '4000' WHEN old.`latency_ms` <= 5000 THEN '5000' WHEN old.`latency_ms` <= 6000 THEN '6000' WHEN old.`latency_ms` <= 8000 THEN '8000' WHEN old.`latency_ms` <= 10000 THEN '10000' WHEN old.`latency_ms` <= 12500 THEN '12500' WHEN old.`latency_ms` <= 15000 THEN '15000' WHEN old.`latency_ms` <= 20000 THEN '20000' WHEN old.`latency_ms` <= 30000 THEN '30000' WHEN old.`latency_ms` <= 60000 THEN '60000' ELSE 'inf' END AND old.`purpose` = 'answer';
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'ai_turns' AND `hour` = old.`created_at` / 3600000 AND `key` = '' AND old.`turn_message_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `ai_calls` e WHERE e.`turn_message_id` = old.`turn_message_id` AND e.`id` < old.`id`);
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'ai_calls', new.`created_at` / 3600000, new.`tier`, 1, new.`cost_usd` WHERE 1
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'ai_latency', new.`created_at` / 3600000, CASE WHEN new.`latency_ms` <= 100 THEN '100' WHEN new.`latency_ms` <= 150 THEN '150' WHEN new.`latency_ms` <= 200 THEN '200' WHEN new.`latency_ms` <= 250 THEN '250' WHEN new.`latency_ms` <= 300 THEN '300' WHEN new.`latency_ms` <= 400 THEN '400' WHEN new.`latency_ms` <= 500 THEN '500' WHEN new.`latency_ms` <= 600 THEN '600' WHEN new.`latency_ms` <= 800 THEN '800' WHEN new.`latency_ms` <= 1000 THEN '1000' WHEN new.`latency_ms` <= 1250 THEN '1250' WHEN new.`latency_ms` <= 1500 THEN '1500' WHEN new.`latency_ms` <= 2000 THEN '2000' WHEN new.`latency_ms` <= 2500 THEN '2500' WHEN new.`latency_ms` <= 3000 THEN '3000' WHEN new.`latency_ms` <= 4000 THEN '4000' WHEN new.`latency_ms` <= 5000 THEN '5000' WHEN new.`latency_ms` <= 6000 THEN '6000' WHEN new.`latency_ms` <= 8000 THEN '8000' WHEN new.`latency_ms` <= 10000 THEN '10000' WHEN new.`latency_ms` <= 12500 THEN '12500' WHEN new.`latency_ms` <= 15000 THEN '15000' WHEN new.`latency_ms` <= 20000 THEN '20000' WHEN new.`latency_ms` <= 30000 THEN '30000' WHEN new.`latency_ms` <= 60000 THEN '60000' ELSE 'inf' END, 1, new.`latency_ms` WHERE new.`purpose` = 'answer'
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'ai_turns', new.`created_at` / 3600000, '', 1, 0 WHERE new.`turn_message_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `ai_calls` e WHERE e.`turn_message_id` = new.`turn_message_id` AND e.`id` < new.`id`)
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
END;
--> statement-breakpoint
-- Deleting the first call of a turn makes the next one (if any) its first.
CREATE TRIGGER `home_hourly_ai_calls_delete` AFTER DELETE ON `ai_calls` BEGIN
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (old.`cost_usd`)
    WHERE `metric` = 'ai_calls' AND `hour` = old.`created_at` / 3600000 AND `key` = old.`tier` AND 1;
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (old.`latency_ms`)
    WHERE `metric` = 'ai_latency' AND `hour` = old.`created_at` / 3600000 AND `key` = CASE WHEN old.`latency_ms` <= 100 THEN '100' WHEN old.`latency_ms` <= 150 THEN '150' WHEN old.`latency_ms` <= 200 THEN '200' WHEN old.`latency_ms` <= 250 THEN '250' WHEN old.`latency_ms` <= 300 THEN '300' WHEN old.`latency_ms` <= 400 THEN '400' WHEN old.`latency_ms` <= 500 THEN '500' WHEN old.`latency_ms` <= 600 THEN '600' WHEN old.`latency_ms` <= 800 THEN '800' WHEN old.`latency_ms` <= 1000 THEN '1000' WHEN old.`latency_ms` <= 1250 THEN '1250' WHEN old.`latency_ms` <= 1500 THEN '1500' WHEN old.`latency_ms` <= 2000 THEN '2000' WHEN old.`latency_ms` <= 2500 THEN '2500' WHEN old.`latency_ms` <= 3000 THEN '3000' WHEN old.`latency_ms` <= 4000 THEN '4000' WHEN old.`latency_ms` <= 5000 THEN '5000' WHEN old.`latency_ms` <= 6000 THEN '6000' WHEN old.`latency_ms` <= 8000 THEN '8000' WHEN old.`latency_ms` <= 10000 THEN '10000' WHEN old.`latency_ms` <= 12500 THEN '12500' WHEN old.`latency_ms` <= 15000 THEN '15000' WHEN old.`latency_ms` <= 20000 THEN '20000' WHEN old.`latency_ms` <= 30000 THEN '30000' WHEN old.`latency_ms` <= 60000 THEN '60000' ELSE 'inf' END AND old.`purpose` = 'answer';
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'ai_turns' AND `hour` = old.`created_at` / 3600000 AND `key` = '' AND old.`turn_message_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `ai_calls` e WHERE e.`turn_message_id` = old.`turn_message_id` AND e.`id` < old.`id`);
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'ai_turns', f.`created_at` / 3600000, '', 1, 0
    FROM (SELECT `created_at` FROM `ai_calls` WHERE `turn_message_id` = old.`turn_message_id` ORDER BY `id` LIMIT 1) f
    WHERE old.`turn_message_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `ai_calls` e WHERE e.`turn_message_id` = old.`turn_message_id` AND e.`id` < old.`id`)
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`;
END;
--> statement-breakpoint
CREATE TRIGGER `home_hourly_messages_insert` AFTER INSERT ON `messages` BEGIN
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'messages', new.`created_at` / 3600000, new.`direction`, 1, 0 WHERE 1
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'replies', new.`created_at` / 3600000, new.`ai_tier`, 1, 0 WHERE new.`direction` = 'out' AND new.`ai_tier` IS NOT NULL
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'failed', new.`created_at` / 3600000, coalesce(CAST(new.`error_code` AS TEXT), 'none'), 1, 0 WHERE new.`direction` = 'out' AND new.`status` = 'failed'
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
END;
--> statement-breakpoint
-- Status updates (sent, delivered, read) change nothing counted here: the WHEN clause keeps
-- them to one comparison.
CREATE TRIGGER `home_hourly_messages_update`
  AFTER UPDATE OF `direction`, `status`, `error_code`, `ai_tier`, `created_at` ON `messages`
  WHEN old.`direction` IS NOT new.`direction` OR old.`created_at` IS NOT new.`created_at`
    OR old.`ai_tier` IS NOT new.`ai_tier`
    OR (old.`status` = 'failed') IS NOT (new.`status` = 'failed')
    OR (old.`error_code` IS NOT new.`error_code` AND new.`status` = 'failed') BEGIN
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'messages' AND `hour` = old.`created_at` / 3600000 AND `key` = old.`direction` AND 1;
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'replies' AND `hour` = old.`created_at` / 3600000 AND `key` = old.`ai_tier` AND old.`direction` = 'out' AND old.`ai_tier` IS NOT NULL;
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'failed' AND `hour` = old.`created_at` / 3600000 AND `key` = coalesce(CAST(old.`error_code` AS TEXT), 'none') AND old.`direction` = 'out' AND old.`status` = 'failed';
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'messages', new.`created_at` / 3600000, new.`direction`, 1, 0 WHERE 1
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'replies', new.`created_at` / 3600000, new.`ai_tier`, 1, 0 WHERE new.`direction` = 'out' AND new.`ai_tier` IS NOT NULL
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
  INSERT INTO `home_hourly` (`metric`, `hour`, `key`, `n`, `total`)
    SELECT 'failed', new.`created_at` / 3600000, coalesce(CAST(new.`error_code` AS TEXT), 'none'), 1, 0 WHERE new.`direction` = 'out' AND new.`status` = 'failed'
    ON CONFLICT (`metric`, `hour`, `key`) DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
END;
--> statement-breakpoint
CREATE TRIGGER `home_hourly_messages_delete` AFTER DELETE ON `messages` BEGIN
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'messages' AND `hour` = old.`created_at` / 3600000 AND `key` = old.`direction` AND 1;
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'replies' AND `hour` = old.`created_at` / 3600000 AND `key` = old.`ai_tier` AND old.`direction` = 'out' AND old.`ai_tier` IS NOT NULL;
  UPDATE `home_hourly` SET `n` = `n` - 1, `total` = `total` - (0)
    WHERE `metric` = 'failed' AND `hour` = old.`created_at` / 3600000 AND `key` = coalesce(CAST(old.`error_code` AS TEXT), 'none') AND old.`direction` = 'out' AND old.`status` = 'failed';
END;
