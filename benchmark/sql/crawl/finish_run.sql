UPDATE crawl_runs SET
    finished_at = $finished_at,
    status = $status,
    finish_reason = $finish_reason,
    pages_ok = $pages_ok,
    pages_failed = $pages_failed,
    pages_skipped = $pages_skipped,
    plans = $plans,
    rejects = $rejects,
    errors = $errors,
    stats = $stats,
    monitors = $monitors,
    degraded_competitors = $degraded_competitors
WHERE run_id = $run_id;
