//! Spreading independent work over the cores, in one place: two tasks at once ([`both`]), a list cut in two
//! halves ([`in_halves`], for bulk queries over thousands of identities), or a list spread over a small pool
//! of threads ([`over_pool`], for the what-if diff). Each gives the one-thread result, in the same order.

/// Runs `first` on a second thread while `second` runs on this one.
pub fn both<A: Send, B>(first: impl FnOnce() -> A + Send, second: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|s| {
        let a = s.spawn(first);
        let b = second();
        match a.join() {
            Ok(a) => (a, b),
            Err(e) => std::panic::resume_unwind(e),
        }
    })
}

/// `work` over `items`; from `from` items on, over two halves on two threads, their outputs joined by `join`
/// (first half first).
pub fn in_halves<T: Sync, O: Send>(
    items: &[T],
    from: usize,
    work: impl Fn(&[T]) -> O + Sync,
    join: impl FnOnce(O, O) -> O,
) -> O {
    if items.len() < from.max(2) {
        return work(items);
    }
    let (first, second) = items.split_at(items.len() / 2);
    std::thread::scope(|threads| {
        let work = &work;
        let later = threads.spawn(move || work(second));
        let early = work(first);
        let later = later
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        join(early, later)
    })
}

/// `f` over `items` on up to four threads (one per available core), results in the items' order, with
/// the per-thread states returned for merging. Scheduling does not change the result.
pub fn over_pool<T: Sync, S: Send, R: Send>(
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
