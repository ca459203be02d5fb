//! Channels turn a platform's payloads into [`statbot_core::Inbound`] and deliver
//! [`statbot_core::Reply`]: Messenger (webhook and Send API), the web chat page and the
//! terminal chat. The engine never sees a platform's own shapes.

pub mod console;
pub mod local;
pub mod messenger;
