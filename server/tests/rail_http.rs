//! The payout rail's client against its simulator on a real socket: the holder's name of an
//! account, a transfer paid once per reference however often it is sent, and every unknown
//! outcome (an answer too late, a rail that pays and then never answers, one that does nothing)
//! resolved by asking about the reference first: one payment each time, and the day's statement
//! lists exactly it.

use std::{sync::atomic::Ordering, time::Duration};

use app::{
    domain::payout_account::PayoutDestination,
    payouts::rail::{HttpRail, PayoutRail, RailUnavailable, TransferRequest, TransferStatus, WireDestination},
};
use server::rail_simulator::{Fault, RailSimulator, DEVELOPMENT_KEY};

async fn rail(timeout: Duration) -> (std::sync::Arc<RailSimulator>, HttpRail) {
    let simulator = RailSimulator::new_with_hang(DEVELOPMENT_KEY, Duration::from_millis(600));
    let addr = simulator
        .spawn(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    (
        simulator,
        HttpRail::new(&format!("http://{addr}"), DEVELOPMENT_KEY, timeout).unwrap(),
    )
}

fn wallet() -> PayoutDestination {
    PayoutDestination::parse("dompet", "", "", "dana", "0812-3456-7890").unwrap()
}

fn order(reference: &str) -> TransferRequest {
    TransferRequest {
        reference: reference.to_owned(),
        amount: 600_000,
        destination: WireDestination::from(&wallet()),
    }
}

#[tokio::test]
async fn the_holders_name_is_the_accounts() {
    let (simulator, rail) = rail(Duration::from_secs(2)).await;
    simulator.open_account(&WireDestination::from(&wallet()), "Dewi Lestari");
    assert_eq!(rail.inquire(&wallet()).await, Ok(Some("Dewi Lestari".to_owned())));
    // Another number has a holder of its own, the same every time.
    let other = PayoutDestination::parse("bank", "014", "1234567890", "", "").unwrap();
    let holder = rail.inquire(&other).await.unwrap().unwrap();
    assert_eq!(rail.inquire(&other).await, Ok(Some(holder.clone())));
    assert_ne!(holder, "Dewi Lestari");
}

#[tokio::test]
async fn a_reference_is_paid_once_however_often_it_is_sent() {
    let (simulator, rail) = rail(Duration::from_secs(2)).await;
    let first = rail.transfer(&order("PRK-INS-a-1")).await.unwrap();
    let again = rail.transfer(&order("PRK-INS-a-1")).await.unwrap();
    assert_eq!(first, again, "the repeat gets the first outcome");
    assert_eq!(first.status, TransferStatus::Paid);
    assert_eq!(simulator.paid.load(Ordering::SeqCst), 1);
    assert_eq!(simulator.transfer_requests.load(Ordering::SeqCst), 2);
    // The same reference for another amount is refused, not paid.
    let changed = TransferRequest {
        amount: 1,
        ..order("PRK-INS-a-1")
    };
    assert_eq!(rail.transfer(&changed).await, Err(RailUnavailable::Status(409)));
    assert_eq!(simulator.paid.load(Ordering::SeqCst), 1);
}

/// What the payout job does with an unknown outcome: ask about the reference; send only when
/// the rail never received it.
async fn settle(rail: &HttpRail, request: &TransferRequest) -> TransferStatus {
    loop {
        match rail.transfer_status(&request.reference).await {
            Ok(Some(transfer)) => return transfer.status,
            Ok(None) => match rail.transfer(request).await {
                Ok(transfer) => return transfer.status,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

#[tokio::test]
async fn an_answer_too_late_a_rail_that_pays_and_hangs_and_one_that_does_nothing_each_pay_once() {
    for (n, fault) in [Fault::PaysLate, Fault::PaysThenHangs, Fault::Hangs]
        .into_iter()
        .enumerate()
    {
        let (simulator, rail) = rail(Duration::from_millis(200)).await;
        let request = order(&format!("PRK-INS-b-{n}"));
        simulator.set_fault(fault);
        assert_eq!(
            rail.transfer(&request).await,
            Err(RailUnavailable::Timeout),
            "{fault:?}"
        );
        if fault == Fault::Hangs {
            assert_eq!(
                rail.transfer_status(&request.reference).await,
                Ok(None),
                "never received"
            );
            simulator.set_fault(Fault::None);
        }
        assert_eq!(settle(&rail, &request).await, TransferStatus::Paid, "{fault:?}");
        // The late answer arrives in the meantime; nothing more is paid.
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(simulator.paid.load(Ordering::SeqCst), 1, "{fault:?}");
        let today = app::domain::wib::date_in_program_tz(chrono::Utc::now());
        let statement = rail.statement(today).await.unwrap();
        assert_eq!(statement.transfers.len(), 1, "{fault:?}");
        assert_eq!(statement.transfers[0].reference, request.reference);
    }
}

#[tokio::test]
async fn a_closed_destination_is_refused_with_a_reason_and_a_wrong_key_gets_nothing() {
    let (simulator, rail) = rail(Duration::from_secs(2)).await;
    simulator.set_fault(Fault::Refuses);
    let refused = rail.transfer(&order("PRK-INS-c-1")).await.unwrap();
    assert_eq!(refused.status, TransferStatus::Refused);
    assert!(refused.reason.unwrap().contains("ditutup"));
    assert_eq!(simulator.paid.load(Ordering::SeqCst), 0);

    let addr = rail_address(&simulator).await;
    let stranger = HttpRail::new(&addr, "bukan-kuncinya", Duration::from_secs(2)).unwrap();
    assert_eq!(stranger.inquire(&wallet()).await, Err(RailUnavailable::Status(401)));
}

async fn rail_address(simulator: &std::sync::Arc<RailSimulator>) -> String {
    let addr = simulator
        .spawn(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    format!("http://{addr}")
}
