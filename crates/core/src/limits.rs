//! Messenger Platform limits that flows are checked against when loaded, so a flow that
//! Facebook would reject never reaches a customer.

/// Characters in a plain text message.
pub const TEXT_MAX_CHARS: usize = 2000;
/// Characters in the text of a button template.
pub const BUTTON_TEXT_MAX_CHARS: usize = 640;
/// Buttons in a button template.
pub const BUTTONS_MAX: usize = 3;
/// Characters in a button or quick-reply title.
pub const TITLE_MAX_CHARS: usize = 20;
/// Quick replies on one message.
pub const QUICK_REPLIES_MAX: usize = 13;
/// Bytes in a postback or quick-reply payload.
pub const PAYLOAD_MAX_BYTES: usize = 1000;
