use super::*;
use proptest::prelude::*;

/// What a copy of a list does to it, played on a [`Tailed`] copy and on a plain copied `Vec` alike.
#[derive(Debug, Clone)]
enum Op {
    Push(u32),
    Set(usize, u32),
    Remove(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u32>().prop_map(Op::Push),
        1 => (any::<usize>(), any::<u32>()).prop_map(|(at, v)| Op::Set(at, v)),
        1 => any::<usize>().prop_map(Op::Remove),
    ]
}

/// Everything a reader asks of the list, answered the same way by both.
fn reads_like(t: &Tailed<u32>, v: &Vec<u32>) -> Result<(), TestCaseError> {
    prop_assert_eq!(t.len(), v.len());
    prop_assert_eq!(t.is_empty(), v.is_empty());
    prop_assert_eq!(t.iter().copied().collect::<Vec<_>>(), v.clone());
    prop_assert_eq!((t).into_iter().count(), v.len());
    for at in 0..=v.len() + 1 {
        prop_assert_eq!(t.get(at), v.get(at));
    }
    prop_assert_eq!(&t.to_vec(), v);
    prop_assert!(t == v);
    prop_assert_eq!(format!("{t:?}"), format!("{v:?}"));
    Ok(())
}

proptest! {
    /// A copy with appended items (and any writes after them) reads exactly like a copied list, and the
    /// original reads as it was.
    #[test]
    fn a_tailed_copy_reads_like_a_copied_list(
        base in prop::collection::vec(any::<u32>(), 0..40),
        ops in prop::collection::vec(op(), 0..30),
    ) {
        let original: Tailed<u32> = base.clone().into();
        let mut copy = original.clone();
        let mut model = base.clone();
        for op in ops {
            match op {
                Op::Push(x) => {
                    copy.push(x);
                    model.push(x);
                }
                Op::Set(at, x) if !model.is_empty() => {
                    let at = at % model.len();
                    copy.own()[at] = x;
                    model[at] = x;
                }
                Op::Remove(at) if !model.is_empty() => {
                    let at = at % model.len();
                    copy.own().remove(at);
                    model.remove(at);
                }
                _ => {}
            }
            reads_like(&copy, &model)?;
            let rebuilt: Tailed<u32> = model.clone().into();
            prop_assert!(copy == rebuilt);
        }
        reads_like(&original, &base)?;
        let rebuilt: Tailed<u32> = base.into();
        prop_assert!(original == rebuilt);
    }
}

#[test]
fn appending_leaves_the_shared_list_shared() {
    let a: Tailed<u32> = vec![1, 2, 3].into();
    let mut b = a.clone();
    assert!(a.same(&b));
    b.push(4);
    assert!(b.shares_base(&a));
    assert!(!b.same(&a));
    assert_eq!(a, vec![1, 2, 3]);
    assert_eq!(b, vec![1, 2, 3, 4]);
    assert_ne!(a, b);
}

#[test]
fn writing_in_place_copies_once() {
    let a: Tailed<u32> = vec![1, 2].into();
    let mut b = a.clone();
    b.push(3);
    b.iter_mut().for_each(|x| *x *= 10);
    assert!(!b.shares_base(&a));
    assert_eq!(b, vec![10, 20, 30]);
    assert_eq!(a, vec![1, 2]);
    let mut c: Tailed<u32> = vec![5].into();
    let at = c.own().as_ptr();
    c.own()[0] = 6;
    assert_eq!(c.own().as_ptr(), at, "an unshared list is written in place");
}
