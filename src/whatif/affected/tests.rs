use super::touched;

#[test]
fn touched_finds_added_removed_and_edited_elements() {
    let a = [(1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')];
    let b = [(1, 'a'), (3, 'c'), (4, 'x'), (5, 'e')];
    let mut t: Vec<_> = touched(&a, &b, |x| x.0).into_iter().copied().collect();
    t.sort();
    assert_eq!(t, vec![(2, 'b'), (4, 'd'), (4, 'x'), (5, 'e')]);
    assert!(touched(&a, &a, |x| x.0).is_empty());
    let moved = [(4, 'd'), (1, 'a'), (2, 'b'), (3, 'c')];
    assert!(touched(&a, &moved, |x| x.0).is_empty());
}
