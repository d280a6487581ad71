-- Wake the other instances only for jobs due now (within a second, for clock differences between
-- the instances and the database server). Hand-written. 0001 notified for every inserted job,
-- so each webhook's turn job (due only after the burst window, JOB_BURST_MS) woke every
-- instance into a claim transaction under the write lock that found nothing: with three
-- instances 1.7 claim transactions per delivery (docs/benchmarks.md). A job due later is found
-- by every runner's own timer (`nextDueAt`, at most JOB_POLL_MS apart), as on SQLite.
CREATE FUNCTION jb_due_soon(run_at bigint) RETURNS boolean
LANGUAGE sql VOLATILE AS $$
  SELECT run_at <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint + 1000
$$;
--> statement-breakpoint
CREATE FUNCTION jobs_notify_due() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM jb_new_jobs WHERE jb_due_soon(run_at)) THEN
    PERFORM pg_notify('jembatan_jobs', '');
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
DROP TRIGGER jobs_notify_insert ON jobs;
--> statement-breakpoint
CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs
  REFERENCING NEW TABLE AS jb_new_jobs
  FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify_due();
--> statement-breakpoint
DROP TRIGGER jobs_notify_pending ON jobs;
--> statement-breakpoint
CREATE TRIGGER jobs_notify_pending AFTER UPDATE OF state, run_at ON jobs
  FOR EACH ROW WHEN (NEW.state = 'pending'
    AND (OLD.state IS DISTINCT FROM NEW.state OR NEW.run_at < OLD.run_at)
    AND jb_due_soon(NEW.run_at))
  EXECUTE FUNCTION jobs_notify();
