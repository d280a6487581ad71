-- Hand-written (drizzle-kit generate --custom): what drizzle-kit cannot say from schema-pg.ts.
-- The application keeps its SQLite SQL; a facade translates the syntax on the way here, and the
-- few SQLite functions it calls are provided below with SQLite's meaning. The roll-up triggers of
-- db/migrations 0006 and 0011 are ported with the same effect on the same tables (same trigger
-- names, checked by src/store/schema-drift.test.ts; effects compared with SQLite's by
-- src/store/pg-migrations.test.ts). No backfill as in SQLite: PostgreSQL starts from empty tables.
-- A copy of a SQLite database should run with these triggers off (session_replication_role =
-- replica) and copy the roll-up tables as they are: one transaction that moves the same roll-up
-- row thousands of times leaves as many row versions behind it, which PostgreSQL (unlike SQLite,
-- which updates in place) walks on every further update of that row, so the cost grows with the
-- square of the rows copied.
-- Every $$ body below lies within one statement-breakpoint chunk: the migrator splits on the
-- breakpoint marker only, never on semicolons.

-- json_extract(json, path): SQLite's JSON1 function, used as json_extract(payload, '$.messageId')
-- and json_extract(args, '$.picked'). Paths `$`, `.key`, `."key"` and `[n]`. The value comes back
-- as text (the translated SQL compares it with a bound parameter): a string unquoted, a number
-- as written, true/false as 1/0 (SQLite returns integers for them), an object or array as its
-- JSON text, JSON null as NULL. Missing keys, invalid JSON and unsupported paths give NULL and
-- never raise: a malformed payload must not fail a job query. IMMUTABLE: depends on its arguments
-- only. (Not PARALLEL SAFE: the EXCEPTION block opens a subtransaction.)
CREATE FUNCTION json_extract(doc text, path text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  steps text[] := '{}';
  rest text;
  m text[];
  v json;
BEGIN
  IF doc IS NULL OR path IS NULL OR left(path, 1) <> '$' THEN
    RETURN NULL;
  END IF;
  rest := substr(path, 2);
  WHILE rest <> '' LOOP
    -- One step: m[1] the whole step, then a quoted key, a plain key or an array index.
    m := regexp_match(rest, '^(\.(?:"([^"]*)"|([^.\[\]"]+))|\[([0-9]+)\])');
    IF m IS NULL THEN
      RETURN NULL;
    END IF;
    steps := steps || coalesce(m[2], m[3], m[4]);
    rest := substr(rest, length(m[1]) + 1);
  END LOOP;
  BEGIN
    v := doc::json #> steps;
  EXCEPTION WHEN others THEN
    RETURN NULL;
  END;
  RETURN CASE json_typeof(v)
    WHEN 'string' THEN v #>> '{}'
    WHEN 'number' THEN v::text
    WHEN 'boolean' THEN CASE WHEN v::text = 'true' THEN '1' ELSE '0' END
    WHEN 'object' THEN v::text
    WHEN 'array' THEN v::text
  END;
END
$$;
--> statement-breakpoint
-- total(x): SQLite's aggregate that sums like sum() but returns 0.0 (not NULL) over no rows or
-- only NULLs, always as a floating-point number. float8pl is strict with a non-NULL initial
-- state, so NULL inputs are skipped as in SQLite. Integers convert implicitly to double.
CREATE AGGREGATE total(double precision) (
  SFUNC = float8pl,
  STYPE = double precision,
  INITCOND = '0',
  COMBINEFUNC = float8pl,
  PARALLEL = SAFE
);
--> statement-breakpoint
-- jb_max(a, b, ...) / jb_min(...): SQLite's scalar max()/min() with two or more arguments (the
-- facade rewrites those to these names), e.g. max(updated_at, coalesce(last_customer_message_at,
-- 0)) in retention. SQLite returns NULL when any argument is NULL, where GREATEST/LEAST would
-- skip it: hence functions, not GREATEST/LEAST. IMMUTABLE.
CREATE FUNCTION jb_max(VARIADIC args anycompatiblearray) RETURNS anycompatible
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN array_position(args, NULL) IS NULL THEN (SELECT max(a) FROM unnest(args) a) END
$$;
--> statement-breakpoint
CREATE FUNCTION jb_min(VARIADIC args anycompatiblearray) RETURNS anycompatible
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN array_position(args, NULL) IS NULL THEN (SELECT min(a) FROM unnest(args) a) END
$$;
--> statement-breakpoint
-- Roll-ups of db/migrations/0006 for /metrics: conversations by state, kept by triggers on
-- `conversations` so that every write is counted in its own transaction, exactly once, whichever
-- code path makes it. Upserts are safe between concurrent instances (ON CONFLICT locks the row).
CREATE FUNCTION conversation_state_counts_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO conversation_state_counts AS c (state, n) VALUES (NEW.state, 1)
    ON CONFLICT (state) DO UPDATE SET n = c.n + 1;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER conversation_state_counts_insert AFTER INSERT ON conversations
  FOR EACH ROW EXECUTE FUNCTION conversation_state_counts_insert();
--> statement-breakpoint
CREATE FUNCTION conversation_state_counts_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE conversation_state_counts SET n = n - 1 WHERE state = OLD.state;
  INSERT INTO conversation_state_counts AS c (state, n) VALUES (NEW.state, 1)
    ON CONFLICT (state) DO UPDATE SET n = c.n + 1;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER conversation_state_counts_update AFTER UPDATE OF state ON conversations
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
  EXECUTE FUNCTION conversation_state_counts_update();
--> statement-breakpoint
CREATE FUNCTION conversation_state_counts_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE conversation_state_counts SET n = n - 1 WHERE state = OLD.state;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER conversation_state_counts_delete AFTER DELETE ON conversations
  FOR EACH ROW EXECUTE FUNCTION conversation_state_counts_delete();
--> statement-breakpoint
-- Outbound messages that ended `failed`, by WhatsApp error code (`none` without one): 0006's
-- triggers on `messages`, with their WHEN clauses so that other writes pay one comparison.
CREATE FUNCTION failed_send_counts_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO failed_send_counts AS f (code, n)
    VALUES (coalesce(NEW.error_code::text, 'none'), 1)
    ON CONFLICT (code) DO UPDATE SET n = f.n + 1;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER failed_send_counts_insert AFTER INSERT ON messages
  FOR EACH ROW WHEN (NEW.direction = 'out' AND NEW.status = 'failed')
  EXECUTE FUNCTION failed_send_counts_insert();
--> statement-breakpoint
CREATE FUNCTION failed_send_counts_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.direction = 'out' AND OLD.status = 'failed' THEN
    UPDATE failed_send_counts SET n = n - 1 WHERE code = coalesce(OLD.error_code::text, 'none');
  END IF;
  IF NEW.direction = 'out' AND NEW.status = 'failed' THEN
    INSERT INTO failed_send_counts AS f (code, n)
      VALUES (coalesce(NEW.error_code::text, 'none'), 1)
      ON CONFLICT (code) DO UPDATE SET n = f.n + 1;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER failed_send_counts_update AFTER UPDATE OF direction, status, error_code ON messages
  FOR EACH ROW WHEN ((OLD.direction = 'out' AND OLD.status = 'failed')
    OR (NEW.direction = 'out' AND NEW.status = 'failed'))
  EXECUTE FUNCTION failed_send_counts_update();
--> statement-breakpoint
CREATE FUNCTION failed_send_counts_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE failed_send_counts SET n = n - 1 WHERE code = coalesce(OLD.error_code::text, 'none');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER failed_send_counts_delete AFTER DELETE ON messages
  FOR EACH ROW WHEN (OLD.direction = 'out' AND OLD.status = 'failed')
  EXECUTE FUNCTION failed_send_counts_delete();
--> statement-breakpoint
-- The Home tab's figures per UTC hour (db/migrations/0011; see `homeHourly` in schema.ts). Two
-- helpers keep the triggers short: home_hourly_add is 0011's upsert (n + n, total + total),
-- home_hourly_sub its "take one off" update (a missing row stays missing, rows that fall to zero
-- are kept). Hours are Unix ms / 3,600,000 in integer division, as in SQLite (both truncate).
-- PL/pgSQL rather than SQL functions: PL/pgSQL keeps its statements' plans for the session, a
-- SQL function called from a trigger is planned again on every call.
CREATE FUNCTION home_hourly_add(m text, h bigint, k text, dn bigint, dt double precision)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO home_hourly AS x (metric, hour, key, n, total) VALUES (m, h, k, dn, dt)
    ON CONFLICT (metric, hour, key) DO UPDATE SET n = x.n + excluded.n, total = x.total + excluded.total;
END
$$;
--> statement-breakpoint
CREATE FUNCTION home_hourly_sub(m text, h bigint, k text, dt double precision)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE home_hourly AS x SET n = x.n - 1, total = x.total - dt
    WHERE x.metric = m AND x.hour = h AND x.key = k;
END
$$;
--> statement-breakpoint
-- 0011's latency bins of `ai_latency` (upper bounds in ms: LATENCY_BINS_MS, src/store/rollups-home.ts).
CREATE FUNCTION home_latency_bin(ms bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN ms <= 100 THEN '100' WHEN ms <= 150 THEN '150' WHEN ms <= 200 THEN '200'
    WHEN ms <= 250 THEN '250' WHEN ms <= 300 THEN '300' WHEN ms <= 400 THEN '400'
    WHEN ms <= 500 THEN '500' WHEN ms <= 600 THEN '600' WHEN ms <= 800 THEN '800'
    WHEN ms <= 1000 THEN '1000' WHEN ms <= 1250 THEN '1250' WHEN ms <= 1500 THEN '1500'
    WHEN ms <= 2000 THEN '2000' WHEN ms <= 2500 THEN '2500' WHEN ms <= 3000 THEN '3000'
    WHEN ms <= 4000 THEN '4000' WHEN ms <= 5000 THEN '5000' WHEN ms <= 6000 THEN '6000'
    WHEN ms <= 8000 THEN '8000' WHEN ms <= 10000 THEN '10000' WHEN ms <= 12500 THEN '12500'
    WHEN ms <= 15000 THEN '15000' WHEN ms <= 20000 THEN '20000' WHEN ms <= 30000 THEN '30000'
    WHEN ms <= 60000 THEN '60000' ELSE 'inf' END
$$;
--> statement-breakpoint
-- home_daily follows home_hourly: every change of an hourly row is applied to its UTC day. An
-- upsert's DO UPDATE fires the UPDATE trigger, in PostgreSQL as in SQLite.
CREATE FUNCTION home_daily_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO home_daily AS d (metric, day, key, n, total)
    VALUES (NEW.metric, NEW.hour / 24, NEW.key, NEW.n, NEW.total)
    ON CONFLICT (metric, day, key) DO UPDATE SET n = d.n + excluded.n, total = d.total + excluded.total;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER home_daily_insert AFTER INSERT ON home_hourly
  FOR EACH ROW EXECUTE FUNCTION home_daily_insert();
--> statement-breakpoint
CREATE FUNCTION home_daily_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE home_daily SET n = n - OLD.n, total = total - OLD.total
    WHERE metric = OLD.metric AND day = OLD.hour / 24 AND key = OLD.key;
  INSERT INTO home_daily AS d (metric, day, key, n, total)
    VALUES (NEW.metric, NEW.hour / 24, NEW.key, NEW.n, NEW.total)
    ON CONFLICT (metric, day, key) DO UPDATE SET n = d.n + excluded.n, total = d.total + excluded.total;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER home_daily_update AFTER UPDATE ON home_hourly
  FOR EACH ROW EXECUTE FUNCTION home_daily_update();
--> statement-breakpoint
CREATE FUNCTION home_daily_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE home_daily SET n = n - OLD.n, total = total - OLD.total
    WHERE metric = OLD.metric AND day = OLD.hour / 24 AND key = OLD.key;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER home_daily_delete AFTER DELETE ON home_hourly
  FOR EACH ROW EXECUTE FUNCTION home_daily_delete();
--> statement-breakpoint
-- Conversations: `conversations` and `escalated` by creation hour, `handoffs` by handoff hour and
-- reason. An update takes the old row's contribution off and adds the new row's.
CREATE FUNCTION home_hourly_conversations_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM home_hourly_add('conversations', NEW.created_at / 3600000, '', 1, 0);
  IF NEW.handoff_at IS NOT NULL THEN
    PERFORM home_hourly_add('escalated', NEW.created_at / 3600000, '', 1, 0);
    PERFORM home_hourly_add('handoffs', NEW.handoff_at / 3600000,
      coalesce(NEW.handoff_reason, 'unknown'), 1, 0);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER home_hourly_conversations_insert AFTER INSERT ON conversations
  FOR EACH ROW EXECUTE FUNCTION home_hourly_conversations_insert();
--> statement-breakpoint
CREATE FUNCTION home_hourly_conversations_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM home_hourly_sub('conversations', OLD.created_at / 3600000, '', 0);
  IF OLD.handoff_at IS NOT NULL THEN
    PERFORM home_hourly_sub('escalated', OLD.created_at / 3600000, '', 0);
    PERFORM home_hourly_sub('handoffs', OLD.handoff_at / 3600000,
      coalesce(OLD.handoff_reason, 'unknown'), 0);
  END IF;
  PERFORM home_hourly_add('conversations', NEW.created_at / 3600000, '', 1, 0);
  IF NEW.handoff_at IS NOT NULL THEN
    PERFORM home_hourly_add('escalated', NEW.created_at / 3600000, '', 1, 0);
    PERFORM home_hourly_add('handoffs', NEW.handoff_at / 3600000,
      coalesce(NEW.handoff_reason, 'unknown'), 1, 0);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER home_hourly_conversations_update
  AFTER UPDATE OF created_at, handoff_at, handoff_reason ON conversations
  FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at
    OR OLD.handoff_at IS DISTINCT FROM NEW.handoff_at
    OR OLD.handoff_reason IS DISTINCT FROM NEW.handoff_reason)
  EXECUTE FUNCTION home_hourly_conversations_update();
--> statement-breakpoint
CREATE FUNCTION home_hourly_conversations_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM home_hourly_sub('conversations', OLD.created_at / 3600000, '', 0);
  IF OLD.handoff_at IS NOT NULL THEN
    PERFORM home_hourly_sub('escalated', OLD.created_at / 3600000, '', 0);
    PERFORM home_hourly_sub('handoffs', OLD.handoff_at / 3600000,
      coalesce(OLD.handoff_reason, 'unknown'), 0);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER home_hourly_conversations_delete AFTER DELETE ON conversations
  FOR EACH ROW EXECUTE FUNCTION home_hourly_conversations_delete();
--> statement-breakpoint
-- Model calls: `ai_calls` (key: tier, total: cost), `ai_latency` (answer calls; key: latency
-- bin, total: ms) and `ai_turns` (the first call of each turn). "First" is "no call of the same
-- turn with a smaller id": an AFTER row trigger runs once the whole statement is done, so a
-- multi-row insert sees all of its rows, which gives SQLite's per-row answer for ids inserted in
-- ascending order (identity ids always are).
CREATE FUNCTION home_hourly_ai_calls_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM home_hourly_add('ai_calls', NEW.created_at / 3600000, NEW.tier, 1, NEW.cost_usd);
  IF NEW.purpose = 'answer' THEN
    PERFORM home_hourly_add('ai_latency', NEW.created_at / 3600000,
      home_latency_bin(NEW.latency_ms), 1, NEW.latency_ms);
  END IF;
  IF NEW.turn_message_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ai_calls e
      WHERE e.turn_message_id = NEW.turn_message_id AND e.id < NEW.id) THEN
    PERFORM home_hourly_add('ai_turns', NEW.created_at / 3600000, '', 1, 0);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER home_hourly_ai_calls_insert AFTER INSERT ON ai_calls
  FOR EACH ROW EXECUTE FUNCTION home_hourly_ai_calls_insert();
--> statement-breakpoint
-- A call moving to another turn would change which call is first of two turns: calls are
-- recorded once (src/ai/call-log.ts) and never moved, so that is refused rather than half-counted
-- (SQLite: RAISE(ABORT), a constraint error; here check_violation, also a constraint error).
CREATE FUNCTION home_hourly_ai_calls_turn_fixed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ai_calls.turn_message_id cannot change (home_hourly roll-up)'
    USING ERRCODE = 'check_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER home_hourly_ai_calls_turn_fixed BEFORE UPDATE OF turn_message_id ON ai_calls
  FOR EACH ROW WHEN (OLD.turn_message_id IS DISTINCT FROM NEW.turn_message_id)
  EXECUTE FUNCTION home_hourly_ai_calls_turn_fixed();
--> statement-breakpoint
CREATE FUNCTION home_hourly_ai_calls_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM home_hourly_sub('ai_calls', OLD.created_at / 3600000, OLD.tier, OLD.cost_usd);
  IF OLD.purpose = 'answer' THEN
    PERFORM home_hourly_sub('ai_latency', OLD.created_at / 3600000,
      home_latency_bin(OLD.latency_ms), OLD.latency_ms);
  END IF;
  IF OLD.turn_message_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ai_calls e
      WHERE e.turn_message_id = OLD.turn_message_id AND e.id < OLD.id) THEN
    PERFORM home_hourly_sub('ai_turns', OLD.created_at / 3600000, '', 0);
  END IF;
  PERFORM home_hourly_add('ai_calls', NEW.created_at / 3600000, NEW.tier, 1, NEW.cost_usd);
  IF NEW.purpose = 'answer' THEN
    PERFORM home_hourly_add('ai_latency', NEW.created_at / 3600000,
      home_latency_bin(NEW.latency_ms), 1, NEW.latency_ms);
  END IF;
  IF NEW.turn_message_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ai_calls e
      WHERE e.turn_message_id = NEW.turn_message_id AND e.id < NEW.id) THEN
    PERFORM home_hourly_add('ai_turns', NEW.created_at / 3600000, '', 1, 0);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- No WHEN clause, as in SQLite: an update that changes nothing takes one off and adds it back.
CREATE TRIGGER home_hourly_ai_calls_update
  AFTER UPDATE OF created_at, tier, cost_usd, purpose, latency_ms ON ai_calls
  FOR EACH ROW EXECUTE FUNCTION home_hourly_ai_calls_update();
--> statement-breakpoint
-- Deleting the first call of a turn makes the next one (if any) its first. BEFORE DELETE where
-- SQLite has AFTER DELETE: SQLite runs a row trigger right after each row, so when one statement
-- deletes several calls of a turn (retention) each firing sees the rows deleted before it only.
-- A PostgreSQL AFTER row trigger runs once the whole statement is done and would find every
-- deleted call "first" in turn, taking a turn off more than once. A BEFORE row trigger sees the
-- rows already deleted by the statement, as SQLite's does, plus the row itself, which the "next
-- first" lookup skips (id > OLD.id).
CREATE FUNCTION home_hourly_ai_calls_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM home_hourly_sub('ai_calls', OLD.created_at / 3600000, OLD.tier, OLD.cost_usd);
  IF OLD.purpose = 'answer' THEN
    PERFORM home_hourly_sub('ai_latency', OLD.created_at / 3600000,
      home_latency_bin(OLD.latency_ms), OLD.latency_ms);
  END IF;
  IF OLD.turn_message_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ai_calls e
      WHERE e.turn_message_id = OLD.turn_message_id AND e.id < OLD.id) THEN
    PERFORM home_hourly_sub('ai_turns', OLD.created_at / 3600000, '', 0);
    INSERT INTO home_hourly AS x (metric, hour, key, n, total)
      SELECT 'ai_turns', f.created_at / 3600000, '', 1, 0
      FROM (SELECT created_at FROM ai_calls
            WHERE turn_message_id = OLD.turn_message_id AND id > OLD.id
            ORDER BY id LIMIT 1) f
      ON CONFLICT (metric, hour, key) DO UPDATE SET n = x.n + excluded.n;
  END IF;
  RETURN OLD;
END
$$;
--> statement-breakpoint
CREATE TRIGGER home_hourly_ai_calls_delete BEFORE DELETE ON ai_calls
  FOR EACH ROW EXECUTE FUNCTION home_hourly_ai_calls_delete();
--> statement-breakpoint
-- Messages: `messages` (key: direction), `replies` (AI replies; key: tier) and `failed` (failed
-- sends; key: error code or `none`), by creation hour.
CREATE FUNCTION home_hourly_messages_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM home_hourly_add('messages', NEW.created_at / 3600000, NEW.direction, 1, 0);
  IF NEW.direction = 'out' AND NEW.ai_tier IS NOT NULL THEN
    PERFORM home_hourly_add('replies', NEW.created_at / 3600000, NEW.ai_tier, 1, 0);
  END IF;
  IF NEW.direction = 'out' AND NEW.status = 'failed' THEN
    PERFORM home_hourly_add('failed', NEW.created_at / 3600000,
      coalesce(NEW.error_code::text, 'none'), 1, 0);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER home_hourly_messages_insert AFTER INSERT ON messages
  FOR EACH ROW EXECUTE FUNCTION home_hourly_messages_insert();
--> statement-breakpoint
CREATE FUNCTION home_hourly_messages_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM home_hourly_sub('messages', OLD.created_at / 3600000, OLD.direction, 0);
  IF OLD.direction = 'out' AND OLD.ai_tier IS NOT NULL THEN
    PERFORM home_hourly_sub('replies', OLD.created_at / 3600000, OLD.ai_tier, 0);
  END IF;
  IF OLD.direction = 'out' AND OLD.status = 'failed' THEN
    PERFORM home_hourly_sub('failed', OLD.created_at / 3600000,
      coalesce(OLD.error_code::text, 'none'), 0);
  END IF;
  PERFORM home_hourly_add('messages', NEW.created_at / 3600000, NEW.direction, 1, 0);
  IF NEW.direction = 'out' AND NEW.ai_tier IS NOT NULL THEN
    PERFORM home_hourly_add('replies', NEW.created_at / 3600000, NEW.ai_tier, 1, 0);
  END IF;
  IF NEW.direction = 'out' AND NEW.status = 'failed' THEN
    PERFORM home_hourly_add('failed', NEW.created_at / 3600000,
      coalesce(NEW.error_code::text, 'none'), 1, 0);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Status updates (sent, delivered, read) change nothing counted here: the WHEN clause keeps
-- them to one comparison, as in SQLite.
CREATE TRIGGER home_hourly_messages_update
  AFTER UPDATE OF direction, status, error_code, ai_tier, created_at ON messages
  FOR EACH ROW WHEN (OLD.direction IS DISTINCT FROM NEW.direction
    OR OLD.created_at IS DISTINCT FROM NEW.created_at
    OR OLD.ai_tier IS DISTINCT FROM NEW.ai_tier
    OR (OLD.status = 'failed') IS DISTINCT FROM (NEW.status = 'failed')
    OR (OLD.error_code IS DISTINCT FROM NEW.error_code AND NEW.status = 'failed'))
  EXECUTE FUNCTION home_hourly_messages_update();
--> statement-breakpoint
CREATE FUNCTION home_hourly_messages_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM home_hourly_sub('messages', OLD.created_at / 3600000, OLD.direction, 0);
  IF OLD.direction = 'out' AND OLD.ai_tier IS NOT NULL THEN
    PERFORM home_hourly_sub('replies', OLD.created_at / 3600000, OLD.ai_tier, 0);
  END IF;
  IF OLD.direction = 'out' AND OLD.status = 'failed' THEN
    PERFORM home_hourly_sub('failed', OLD.created_at / 3600000,
      coalesce(OLD.error_code::text, 'none'), 0);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER home_hourly_messages_delete AFTER DELETE ON messages
  FOR EACH ROW EXECUTE FUNCTION home_hourly_messages_delete();
--> statement-breakpoint
-- Wake-ups across instances (no SQLite counterpart: one process there). A job written by any
-- instance notifies `jembatan_jobs`, which every instance LISTENs on, so a job is picked up at
-- once instead of at the next poll. Statement-level for inserts: one call per INSERT however many
-- rows (it also fires for an INSERT that a dedupe conflict turned into nothing: a spurious
-- wake-up is harmless). Notifications with the same channel and payload are folded into one per
-- transaction, and delivered only when it commits.
CREATE FUNCTION jobs_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('jembatan_jobs', '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs
  FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify();
--> statement-breakpoint
-- A job that becomes pending again (a retry, a lease released by a stopping instance, a job taken
-- over) or whose run_at moves earlier (a send job woken by a status webhook) wakes the others
-- too. A row trigger with a WHEN clause: the common updates (claims, lease renewals, completions)
-- pay one comparison and never call the function; statement-level would need transition tables
-- of every update.
CREATE TRIGGER jobs_notify_pending AFTER UPDATE OF state, run_at ON jobs
  FOR EACH ROW WHEN (NEW.state = 'pending'
    AND (OLD.state IS DISTINCT FROM NEW.state OR NEW.run_at < OLD.run_at))
  EXECUTE FUNCTION jobs_notify();
