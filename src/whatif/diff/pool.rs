//! Spreading independent work over the available cores.

/// `f` over `items` on up to four threads (one per available core), results in the items' order, with
/// the per-thread states returned for merging. Scheduling does not change the result.
pub(super) fn parallel<T: Sync, S: Send, R: Send>(
    items: &[T],
    state: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> (Vec<R>, Vec<S>) {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 4)
        .min(items.len().max(1));
    if workers == 1 {
        let mut st = state();
        let out = items.iter().map(|i| f(&mut st, i)).collect();
        return (out, vec![st]);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut st = state();
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                break;
            };
            done.push((i, f(&mut st, item)));
        }
        (done, st)
    };
    let results: Vec<(Vec<(usize, R)>, S)> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..workers).map(|_| s.spawn(work)).collect();
        let mut all = vec![work()];
        for h in handles {
            match h.join() {
                Ok(r) => all.push(r),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        all
    });
    let mut states = Vec::with_capacity(results.len());
    let mut indexed = Vec::with_capacity(items.len());
    for (done, st) in results {
        indexed.extend(done);
        states.push(st);
    }
    indexed.sort_by_key(|(i, _)| *i);
    (indexed.into_iter().map(|(_, r)| r).collect(), states)
}
