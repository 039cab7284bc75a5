//! Bulk queries over thousands of identities use both cores: the list is cut in two halves, one decided on a
//! second thread, and the answers joined in the list's order, so the result is the one-thread result.

/// `work` over `items`; from `from` items on, over two halves on two threads, their outputs joined by `join`
/// (first half first).
pub(crate) fn in_halves<T: Sync, O: Send>(
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
