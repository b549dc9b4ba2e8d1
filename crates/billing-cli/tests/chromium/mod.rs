//! Headless Chromium for the HTML report's tests: the DOM after the browser has parsed and laid
//! out a page (`--dump-dom`), and screenshots. A test that needs it fails when it is missing:
//! `.ci/run` installs Debian's `chromium`; `CHROMIUM=/path/to/chrome` picks another build.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one browser run may take before the test gives up on it.
const RUN_TIMEOUT: Duration = Duration::from_secs(90);

/// A script the tests append to a copy of the report (the report itself has none): it writes
/// what only layout knows into attributes that `--dump-dom` then shows. Each chart bar gets its
/// drawn size; `<html>` gets the page's scroll width and the viewport's width.
pub const MEASURE_SCRIPT: &str = r#"<script>
for (const r of document.querySelectorAll('rect.bar')) {
  const b = r.getBoundingClientRect();
  r.setAttribute('data-drawn-width', b.width.toFixed(2));
  r.setAttribute('data-drawn-height', b.height.toFixed(2));
}
const root = document.documentElement;
root.setAttribute('data-scroll-width', String(root.scrollWidth));
root.setAttribute('data-viewport-width', String(window.innerWidth));
</script>"#;

/// A Chromium binary.
pub struct Chromium {
    binary: PathBuf,
}

impl Chromium {
    /// `$CHROMIUM`, or `chromium` / `chromium-browser` / `google-chrome` on the `PATH`.
    /// Panics (the test fails) when there is none: these tests are never skipped silently.
    pub fn find() -> Chromium {
        if let Some(path) = std::env::var_os("CHROMIUM") {
            return Chromium {
                binary: PathBuf::from(path),
            };
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        for dir in std::env::split_paths(&path) {
            for name in ["chromium", "chromium-browser", "google-chrome"] {
                let candidate = dir.join(name);
                if candidate.is_file() {
                    return Chromium { binary: candidate };
                }
            }
        }
        panic!(
            "this test renders the HTML report in headless Chromium and none was found: \
             install it (Debian: apt-get install -y chromium) or set CHROMIUM=/path/to/chromium"
        );
    }

    /// The DOM of `page` after loading, in a `width`×`height` window.
    pub fn dump_dom(&self, page: &Path, width: u32, height: u32) -> String {
        let output = self.run(page, width, height, &["--dump-dom".to_owned()]);
        String::from_utf8(output).expect("the DOM is UTF-8")
    }

    /// A PNG screenshot of the first `width`×`height` pixels of `page`.
    pub fn screenshot(&self, page: &Path, png: &Path, width: u32, height: u32) {
        self.run(
            page,
            width,
            height,
            &[
                format!("--screenshot={}", png.display()),
                "--hide-scrollbars".to_owned(),
            ],
        );
        let bytes = std::fs::read(png).expect("Chromium wrote the screenshot");
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "the screenshot is not a PNG"
        );
    }

    /// `page` printed to a PDF (the print style sheet applies).
    pub fn print_to_pdf(&self, page: &Path, pdf: &Path) {
        self.run(
            page,
            1280,
            900,
            &[
                format!("--print-to-pdf={}", pdf.display()),
                "--no-pdf-header-footer".to_owned(),
            ],
        );
        assert!(pdf.is_file(), "Chromium wrote no PDF");
    }

    /// Runs the browser once on `page` with a fresh profile; its stdout.
    fn run(&self, page: &Path, width: u32, height: u32, extra: &[String]) -> Vec<u8> {
        let profile = tempfile::tempdir().expect("a temporary profile directory");
        let page = page.canonicalize().expect("the page exists");
        let mut child = Command::new(&self.binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--run-all-compositor-stages-before-draw",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--window-size={width},{height}"))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        // Read stdout on a thread so a large DOM cannot fill the pipe and stall the browser.
        let mut stdout = child.stdout.take().expect("piped stdout");
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut stdout, &mut buf).map(|_| buf)
        });
        let mut stderr = child.stderr.take().expect("piped stderr");
        let err_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = std::io::Read::read_to_end(&mut stderr, &mut buf);
            buf
        });
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting for Chromium") {
                break status;
            }
            if started.elapsed() > RUN_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("Chromium did not finish within {RUN_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = reader
            .join()
            .expect("stdout reader")
            .expect("reading Chromium's stdout");
        let stderr = err_reader.join().expect("stderr reader");
        assert!(
            status.success(),
            "Chromium failed ({status}):\n{}",
            String::from_utf8_lossy(&stderr)
        );
        stdout
    }
}
