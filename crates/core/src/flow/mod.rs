//! Flows: a conversation declared in a file (steps, message templates, buttons, images,
//! coupons), checked against Messenger's limits when loaded. See `flows/coupon.toml` in the
//! statbot crate for the documented format.

mod error;
mod file;
mod follow_up;
#[cfg(test)]
mod tests;
mod validate;

pub use error::{FlowError, FlowErrors};
pub use follow_up::{FollowUp, Unless};

use crate::money::Money;
use crate::template::Template;
use indexmap::IndexMap;
use std::collections::BTreeMap;

/// A loaded, validated flow. Every reference in it (next steps, coupons) is known to resolve.
#[derive(Debug, Clone)]
pub struct Flow {
    pub name: String,
    pub title: String,
    pub entry: String,
    /// Steps in file order, which is the order reports show them in.
    pub steps: IndexMap<String, Step>,
    pub coupons: IndexMap<String, Coupon>,
    /// Default values of template variables, e.g. `shop = "our shop"`.
    pub vars: BTreeMap<String, String>,
    /// Button id -> id of the step that shows it.
    button_steps: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub text: Option<Template>,
    pub choices: Choices,
    pub image: Option<ImageRef>,
    /// Coupon handed out when the step is entered; its code is `{coupon_code}`.
    pub reveal: Option<String>,
    /// Step that follows at once (only for steps without buttons).
    pub next: Option<String>,
    /// A step sent later, unless the contact acted meanwhile.
    pub follow_up: Option<FollowUp>,
    /// A split step's variants (`kind = "split"`), empty for any other step: a split step sends
    /// nothing and passes each contact on to one variant's `next` (see [`crate::split`]).
    pub variants: Vec<Variant>,
}

/// One arm of a split test: contacts get it in proportion to its weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Unique within its step; reports name the variant by it.
    pub id: String,
    /// A positive whole number; the shares are the weights over their sum.
    pub weight: u32,
    pub next: String,
}

#[derive(Debug, Clone, Default)]
pub enum Choices {
    #[default]
    None,
    Buttons(Vec<FlowButton>),
    QuickReplies(Vec<FlowButton>),
}

impl Choices {
    pub fn buttons(&self) -> &[FlowButton] {
        match self {
            Choices::None => &[],
            Choices::Buttons(b) | Choices::QuickReplies(b) => b,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FlowButton {
    /// Unique within the flow; the payload is `FLOW:ID`.
    pub id: String,
    pub title: String,
    /// The step a tap leads to; `None` only for a hand-off button that leads nowhere in the flow.
    pub next: Option<String>,
    /// Tapping it asks for a person: the conversation goes to the live inbox.
    pub handoff: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// An absolute `http(s)://` URL, sent as is.
    Url(String),
    /// A file shipped beside the flow, served by statbot under its public URL.
    Media(String),
}

#[derive(Debug, Clone)]
pub struct Coupon {
    pub id: String,
    pub codes: CouponCodes,
    /// Sent instead of the revealing step when a pool has no code left.
    pub exhausted: Template,
    /// What the code takes off an order; `None` for a coupon only counted, never priced.
    pub discount: Option<Discount>,
    /// The last day (UTC) a code can be redeemed; no end when `None`.
    pub ends: Option<jiff::civil::Date>,
}

/// What a redeemed code takes off an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discount {
    /// 1 to 100 % of the total.
    Percent(u32),
    /// A fixed amount, only off orders in its currency.
    Amount(Money),
}

impl Discount {
    /// What the discount takes off `total`: never more than the total itself. `None` when an
    /// amount discount is in another currency than the total.
    pub fn off(&self, total: &Money) -> Option<i64> {
        match self {
            // Rounded down: the customer never gets more than the percent says.
            Discount::Percent(percent) => Some(total.amount * i64::from(*percent) / 100),
            Discount::Amount(amount) if amount.currency == total.currency => Some(amount.amount.min(total.amount)),
            Discount::Amount(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CouponCodes {
    /// One code everybody gets.
    Shared(String),
    /// Unique codes, one per contact, never handed out twice.
    Pool(Vec<String>),
    /// A pool whose codes are in a file beside the flow (one per line); the loader reads it.
    PoolFile(String),
}

impl Flow {
    /// Parses and validates a flow file. `file` names the source in error messages.
    pub fn parse(file: &str, source: &str) -> Result<Flow, FlowErrors> {
        validate::parse(file, source)
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.get(id)
    }

    /// The flow's split steps, in file order.
    pub fn splits(&self) -> impl Iterator<Item = &Step> {
        self.steps.values().filter(|s| !s.variants.is_empty())
    }

    /// The step showing a button, and the button.
    pub fn button(&self, id: &str) -> Option<(&Step, &FlowButton)> {
        let step = self.steps.get(self.button_steps.get(id)?)?;
        let button = step.choices.buttons().iter().find(|b| b.id == id)?;
        Some((step, button))
    }

    /// Files the flow refers to (images, coupon code files), for the loader to check and serve.
    pub fn media_files(&self) -> impl Iterator<Item = &str> {
        let images = self.steps.values().filter_map(|s| match &s.image {
            Some(ImageRef::Media(file)) => Some(file.as_str()),
            _ => None,
        });
        let codes = self.coupons.values().filter_map(|c| match &c.codes {
            CouponCodes::PoolFile(file) => Some(file.as_str()),
            _ => None,
        });
        images.chain(codes)
    }
}

/// Every loaded flow, and the one free text falls back to.
#[derive(Debug, Clone, Default)]
pub struct FlowSet {
    flows: IndexMap<String, Flow>,
    default_flow: Option<String>,
}

impl FlowSet {
    /// Adds a flow; the first one added is the default unless [`FlowSet::set_default`] says
    /// otherwise. A second flow with the same name is refused.
    pub fn insert(&mut self, flow: Flow) -> Result<(), String> {
        if self.flows.contains_key(&flow.name) {
            return Err(format!("two flows are named `{}`", flow.name));
        }
        if self.default_flow.is_none() {
            self.default_flow = Some(flow.name.clone());
        }
        self.flows.insert(flow.name.clone(), flow);
        Ok(())
    }

    pub fn set_default(&mut self, name: &str) -> Result<(), String> {
        if !self.flows.contains_key(name) {
            return Err(format!("the default flow `{name}` is not loaded"));
        }
        self.default_flow = Some(name.to_owned());
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Flow> {
        self.flows.get(name)
    }

    pub fn default_flow(&self) -> Option<&Flow> {
        self.flows.get(self.default_flow.as_deref()?)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Flow> {
        self.flows.values()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }
}
