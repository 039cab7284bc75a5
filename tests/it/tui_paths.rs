//! The paths view (key 6): the CLI's `kvaccess paths` in the explorer, drawn as a tree.

use kvaccess::eval::Engine;
use kvaccess::snapshot;
use kvaccess::tui::Options;
use kvaccess::tui::app::App;
use kvaccess::tui::script::{press, render, screen};

fn demo() -> App {
    let mut app = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut app, 120, 40);
    app
}

#[test]
fn scratch() {
    let mut app = demo();
    press(&mut app, "6");
    println!("{}", render(&app, 120, 40));
    press(&mut app, "<enter>j<enter>jjj");
    println!("{}", render(&app, 120, 40));
    press(&mut app, "6");
    println!("{}", render(&app, 120, 40));
    press(&mut app, "<enter>jj");
    println!("{}", render(&app, 120, 40));
}
