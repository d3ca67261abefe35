//! `cargo bench --bench scan` (divan): the per-case costs that must not grow with a run's size.
//! Scanning one surface with 100 and with 10,000 canaries (the cost the leak scan pays per
//! mail, CRM body and answer), adding a case to the [`ScannerStack`] of earlier cases after
//! 1,000 and 8,000 cases, and generating a valid DMC-12 case. No test asserts these numbers;
//! the tests assert operation counts (`observe::leak` tests and `ScannerStack`'s).

use dealer_tck::observe::leak::{Canary, LeakScanner, ScannerStack};
use dealer_tck::suites::dmc12::plan;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

fn main() {
    divan::main();
}

/// The canaries of case `i`: an email, a phone and a name, as the generator makes them.
fn canaries(i: usize) -> Vec<Canary> {
    vec![
        Canary {
            field: "customer_contact.email".into(),
            value: format!("casey.q{i}x@example.com"),
        },
        Canary {
            field: "customer_contact.phone".into(),
            value: format!("+1801{:07}", 5_550_000 + i),
        },
        Canary {
            field: "customer_contact.name".into(),
            value: format!("Casey Quinn{i}"),
        },
    ]
}

/// A mail-sized surface (64 KiB) holding two canaries among ordinary text, numbers and ids.
fn surface() -> Vec<u8> {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < 64 * 1024 {
        s.push_str(&format!(
            "2026-12-05T21:{:02}:{:02}Z lead {i} id=9f{i:06} ok; price 24{i:03}.00 USD\r\n",
            i % 60,
            (i * 7) % 60
        ));
        i += 1;
    }
    s.push_str("customer casey.q42x@example.com, +1 801 555 0042\r\n");
    s.into_bytes()
}

#[divan::bench(args = [100, 10_000], sample_count = 20)]
fn scan_one_surface(bencher: divan::Bencher, n: usize) {
    let scanner = LeakScanner::new((0..n / 3).flat_map(canaries).collect());
    let hay = surface();
    bencher.bench(|| scanner.scan("mail", divan::black_box(&hay)).len());
}

#[divan::bench(args = [1_000, 8_000], sample_count = 20)]
fn earlier_cases_question(bencher: divan::Bencher, n: usize) {
    let mut stack = ScannerStack::new();
    for i in 0..n {
        stack.push(canaries(i));
    }
    let body = b"To: desk\r\n\r\nNew lead: casey.q7x@example.com\r\n".to_vec();
    bencher.bench_local(|| stack.carries_any("side effect", divan::black_box(&body)));
}

/// Adding n cases one at a time with a question after each (the worst case: a server whose
/// every side effect carries no canary of its own call), per case: flat in n when each canary
/// is built O(log n) times. Without questions, adding a case builds nothing.
#[divan::bench(args = [1_000, 8_000], sample_count = 3, sample_size = 1)]
fn earlier_cases_push_and_ask(bencher: divan::Bencher, n: usize) {
    let body = b"To: desk\r\n\r\nNew lead\r\n".to_vec();
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench_local(|| {
            let mut stack = ScannerStack::new();
            for i in 0..n {
                stack.push(canaries(i));
                stack.carries_any("side effect", &body);
            }
            stack.scanners()
        });
}

#[divan::bench]
fn generate_valid_case(bencher: divan::Bencher) {
    let strategy = plan::valid_request();
    let mut runner = TestRunner::deterministic();
    bencher.bench_local(|| {
        strategy
            .new_tree(&mut runner)
            .expect("a valid case")
            .current()
    });
}
