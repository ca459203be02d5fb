//! Runs `scripts/image-tree` on the test build of the binary: `statbot serve --demo` chrooted in
//! the container image's runtime file tree, with an empty environment, must answer `/healthz`
//! and load `/chat`. Skipped (with a line saying why) when not root or without chroot.

use std::path::Path;
use std::process::Command;

#[test]
fn the_binary_serves_the_demo_from_the_runtime_image_tree() {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let chroot = ["/usr/sbin/chroot", "/usr/bin/chroot", "/sbin/chroot"].iter().any(|p| Path::new(p).exists());
    if !cfg!(target_os = "linux") || !root || !chroot {
        eprintln!("image_tree: skipped: needs Linux, root and chroot (root: {root}, chroot: {chroot})");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/image-tree");
    let output = Command::new("bash").arg(&script).arg(env!("CARGO_BIN_EXE_statbot")).output().expect("run image-tree");
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => {}
        Some(2) => eprintln!("image_tree: skipped: {stderr}"),
        _ => panic!("scripts/image-tree failed:\n{stderr}"),
    }
}
