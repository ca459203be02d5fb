//! The pure domain of statbot: flows and their validation, message templates, the channel-neutral
//! inbound and reply types, the conversation state machine, split tests and their statistics,
//! money and its currencies, and numbers written for people. No I/O and no async here, so it
//! compiles fast, tests fast and can be fuzzed.

pub mod backoff;
pub mod conversation;
pub mod email;
pub mod entry;
pub mod flow;
pub mod funnel;
pub mod hours;
pub mod inbound;
pub mod limits;
pub mod money;
pub mod numbers;
pub mod payload;
pub mod receipt;
pub mod reply;
pub mod sales;
pub mod segment;
pub mod split;
pub mod template;
pub mod window;

pub use conversation::{Position, Transition, Trigger};
pub use entry::Entry;
pub use flow::{Flow, FlowError, FlowSet};
pub use inbound::{Inbound, InboundContent, Platform, Referral};
pub use receipt::{Receipt, ReceiptKind};
pub use reply::{Button, Reply};
pub use segment::{Segment, SegmentError, Tag};
pub use window::{MessagingType, Window};
