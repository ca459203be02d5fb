//! Delivery and read receipts: Messenger and Instagram report which of the business's messages
//! reached the person and which they read. They are not messages: they open no window and get
//! no answer; statbot records them on the replies they name.

use crate::inbound::Platform;

/// One receipt from the platform, about the messages sent to `recipient` (the person, who is
/// the receipt's sender): those named in `mids` (platform message ids) and every one sent
/// before `watermark` (ms). Messenger gives a watermark (and the mids of deliveries);
/// Instagram's read receipts name one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub platform: Platform,
    /// The person's platform id (PSID, Instagram-scoped id).
    pub recipient: String,
    /// When the platform says it happened (ms).
    pub at: i64,
    pub kind: ReceiptKind,
    pub mids: Vec<String>,
    pub watermark: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptKind {
    /// The messages reached the person.
    Delivered,
    /// The person read them (so they were delivered too).
    Read,
}
