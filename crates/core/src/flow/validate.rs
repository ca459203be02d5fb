//! Turns a [`RawFlow`] into a [`Flow`], collecting every problem: unknown references, ids,
//! template syntax and variables, and Messenger's limits on texts, buttons and titles.

use super::file::{RawButton, RawCoupon, RawDiscount, RawFlow, RawStep, RawVariant};
use super::{
    Choices, Coupon, CouponCodes, Discount, Flow, FlowButton, FlowError, FlowErrors, FollowUp, ImageRef, Step, Variant,
};
use crate::limits;
use crate::money::Money;
use crate::payload::{ButtonPayload, is_id_char};
use crate::template::Template;
use indexmap::IndexMap;
use std::collections::{BTreeMap, BTreeSet};

/// Variables every step has, besides the flow's own `vars`: the contact's names, and the
/// server's public URL (`{public_url}/shop` links to the storefront).
const BUILTIN_VARS: [&str; 3] = ["first_name", "last_name", "public_url"];
/// Set only in a step that reveals a coupon (and in the coupon's exhausted message, empty).
const COUPON_VAR: &str = "coupon_code";
/// Characters a placeholder is assumed to take when checking a text against its limit.
const PLACEHOLDER_CHARS: usize = 20;
const DEFAULT_EXHAUSTED: &str = "Sorry, all the coupons have been handed out.";
/// A split step's variants: at least one, at most this many.
const VARIANTS_MAX: usize = 10;
/// The largest weight of a variant (weights are shares, not counts).
const WEIGHT_MAX: i64 = 1_000_000;

pub(super) fn parse(file: &str, source: &str) -> Result<Flow, FlowErrors> {
    let mut v = Validator { file, source, errors: Vec::new() };
    let raw: RawFlow = match toml::from_str(source) {
        Ok(raw) => raw,
        Err(e) => {
            let line = e.span().map(|s| v.line_of(s.start));
            let problem = e.message().trim().to_owned();
            v.push(line, "", problem);
            return Err(FlowErrors(v.errors));
        }
    };
    let flow = v.flow(raw);
    if v.errors.is_empty() {
        return Ok(flow);
    }
    // File order reads best; errors without a line come last.
    v.errors.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
    Err(FlowErrors(v.errors))
}

struct Validator<'a> {
    file: &'a str,
    source: &'a str,
    errors: Vec<FlowError>,
}

impl Validator<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.source.len());
        self.source.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }

    fn push(&mut self, line: Option<usize>, place: impl Into<String>, problem: impl Into<String>) {
        self.errors.push(FlowError { file: self.file.to_owned(), line, place: place.into(), problem: problem.into() });
    }

    fn check_id(&mut self, line: usize, place: &str, what: &str, id: &str) {
        if id.is_empty() || !id.chars().all(is_id_char) {
            self.push(Some(line), place, format!("{what} `{id}` may only use letters, digits, `_` and `-`"));
        }
    }

    fn flow(&mut self, raw: RawFlow) -> Flow {
        let name_line = self.line_of(raw.name.span().start);
        let name = raw.name.into_inner();
        self.check_id(name_line, "", "the flow name", &name);

        let entry_line = self.line_of(raw.entry.span().start);
        let entry = raw.entry.into_inner();
        if !raw.steps.contains_key(&entry) {
            self.push(Some(entry_line), "", format!("the entry step `{entry}` does not exist"));
        }
        if raw.steps.is_empty() {
            self.push(None, "", "the flow has no steps");
        }

        let vars = raw.vars;
        let coupons: IndexMap<String, Coupon> = raw
            .coupons
            .into_iter()
            .map(|(id, spanned)| {
                let line = self.line_of(spanned.span().start);
                let coupon = self.coupon(line, &id, spanned.into_inner(), &vars);
                (id, coupon)
            })
            .collect();

        let step_ids: BTreeSet<String> = raw.steps.keys().cloned().collect();
        let mut button_steps = BTreeMap::new();
        let mut steps = IndexMap::new();
        for (id, spanned) in raw.steps {
            let line = self.line_of(spanned.span().start);
            let step = self.step(line, &name, &id, spanned.into_inner(), &step_ids, &coupons, &vars);
            for button in step.choices.buttons() {
                if let Some(other) = button_steps.insert(button.id.clone(), id.clone()) {
                    self.push(
                        Some(line),
                        format!("step `{id}`"),
                        format!(
                            "button id `{}` is also used in step `{other}`; button ids must be unique in a flow (set `id`)",
                            button.id
                        ),
                    );
                }
            }
            steps.insert(id, step);
        }
        self.check_next_cycles(&steps);

        Flow { title: raw.title.unwrap_or_else(|| name.clone()), name, entry, steps, coupons, vars, button_steps }
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        line: usize,
        flow: &str,
        id: &str,
        raw: RawStep,
        step_ids: &BTreeSet<String>,
        coupons: &IndexMap<String, Coupon>,
        vars: &BTreeMap<String, String>,
    ) -> Step {
        let place = format!("step `{id}`");
        self.check_id(line, &place, "the step id", id);
        match raw.kind.as_deref() {
            Some("split") => return self.split_step(line, &place, id, raw, step_ids),
            Some(other) => self.push(Some(line), &place, format!("unknown kind `{other}`; the only kind is `split`")),
            None if raw.variants.is_some() => {
                self.push(Some(line), &place, "`variants` belong to a split step: add `kind = \"split\"`")
            }
            None => {}
        }

        if let Some(coupon) = &raw.reveal
            && !coupons.contains_key(coupon)
        {
            self.push(
                Some(line),
                &place,
                format!("it reveals coupon `{coupon}`, which is not declared under [coupons]"),
            );
        }
        let mut allowed: Vec<&str> = BUILTIN_VARS.to_vec();
        allowed.extend(vars.keys().map(String::as_str));
        if raw.reveal.is_some() {
            allowed.push(COUPON_VAR);
        }

        let choices = match (raw.buttons, raw.quick_replies) {
            (Some(_), Some(_)) => {
                self.push(Some(line), &place, "a step has either `buttons` or `quick_replies`, not both");
                Choices::None
            }
            (Some(buttons), None) => {
                Choices::Buttons(self.buttons(&place, flow, buttons, limits::BUTTONS_MAX, "buttons", step_ids))
            }
            (None, Some(replies)) => Choices::QuickReplies(self.buttons(
                &place,
                flow,
                replies,
                limits::QUICK_REPLIES_MAX,
                "quick replies",
                step_ids,
            )),
            (None, None) => Choices::None,
        };

        let text_limit = match choices {
            Choices::Buttons(_) => limits::BUTTON_TEXT_MAX_CHARS,
            _ => limits::TEXT_MAX_CHARS,
        };
        let text = raw.text.as_deref().and_then(|src| self.template(line, &place, src, &allowed, text_limit));
        if text.is_none() && raw.text.is_none() {
            if !matches!(choices, Choices::None) {
                self.push(Some(line), &place, "buttons and quick replies need a `text` to go with them");
            } else if raw.image.is_none() {
                self.push(Some(line), &place, "the step sends nothing: give it a `text` or an `image`");
            }
        }

        let image = raw.image.map(|image| self.image(line, &place, image));

        if let Some(next) = &raw.next {
            if !matches!(choices, Choices::None) {
                self.push(Some(line), &place, "a step with buttons waits for a tap: remove `next` or the buttons");
            }
            if !step_ids.contains(next) {
                self.push(Some(line), &place, format!("`next` names step `{next}`, which does not exist"));
            }
        }

        let follow_up = raw.follow_up.and_then(|raw| match FollowUp::parse(raw, step_ids) {
            Ok(follow_up) => Some(follow_up),
            Err(problems) => {
                for problem in problems {
                    self.push(Some(line), &place, problem);
                }
                None
            }
        });

        Step {
            id: id.to_owned(),
            text,
            choices,
            image,
            reveal: raw.reveal,
            next: raw.next,
            variants: Vec::new(),
            follow_up,
        }
    }

    /// A step of `kind = "split"`: its variants, and nothing it would send itself.
    fn split_step(&mut self, line: usize, place: &str, id: &str, raw: RawStep, step_ids: &BTreeSet<String>) -> Step {
        let own = [
            ("text", raw.text.is_some()),
            ("buttons", raw.buttons.is_some()),
            ("quick_replies", raw.quick_replies.is_some()),
            ("image", raw.image.is_some()),
            ("reveal", raw.reveal.is_some()),
            ("next", raw.next.is_some()),
        ];
        for (key, _) in own.iter().filter(|(_, given)| *given) {
            self.push(
                Some(line),
                place,
                format!("a split step sends nothing and leads on through its variants: remove `{key}`"),
            );
        }
        let raw_variants = raw.variants.unwrap_or_default();
        if raw_variants.is_empty() || raw_variants.len() > VARIANTS_MAX {
            self.push(
                Some(line),
                place,
                format!("a split step needs 1 to {VARIANTS_MAX} `variants`, this one has {}", raw_variants.len()),
            );
        }
        let mut seen = BTreeSet::new();
        let variants = raw_variants
            .into_iter()
            .enumerate()
            .map(|(i, spanned)| {
                let line = self.line_of(spanned.span().start);
                let RawVariant { id: variant, weight, next } = spanned.into_inner();
                let place = format!("{place}, variant {} (`{variant}`)", i + 1);
                self.check_id(line, &place, "the variant id", &variant);
                if !seen.insert(variant.clone()) {
                    self.push(Some(line), &place, "the id is used by another variant of the step; ids must be unique");
                }
                if !(1..=WEIGHT_MAX).contains(&weight) {
                    self.push(
                        Some(line),
                        &place,
                        format!("the weight must be a whole number from 1 to {WEIGHT_MAX}, not {weight}"),
                    );
                }
                if !step_ids.contains(&next) {
                    self.push(Some(line), &place, format!("`next` names step `{next}`, which does not exist"));
                }
                // (Out of range only when an error was pushed just above.)
                Variant { id: variant, weight: u32::try_from(weight.clamp(1, WEIGHT_MAX)).unwrap_or(1), next }
            })
            .collect();
        Step {
            id: id.to_owned(),
            text: None,
            choices: Choices::None,
            image: None,
            reveal: None,
            next: None,
            variants,
            follow_up: None,
        }
    }

    fn buttons(
        &mut self,
        step_place: &str,
        flow: &str,
        raw: Vec<toml::Spanned<RawButton>>,
        max: usize,
        what: &str,
        step_ids: &BTreeSet<String>,
    ) -> Vec<FlowButton> {
        if raw.is_empty() {
            self.push(None, step_place, format!("the list of {what} is empty"));
        }
        if raw.len() > max {
            let line = raw.get(max).map(|b| self.line_of(b.span().start));
            self.push(line, step_place, format!("Messenger allows at most {max} {what}, this step has {}", raw.len()));
        }
        raw.into_iter()
            .enumerate()
            .map(|(i, spanned)| {
                let line = self.line_of(spanned.span().start);
                let place = format!("{step_place}, button {} ({what})", i + 1);
                let b = spanned.into_inner();
                let title_chars = b.title.chars().count();
                if b.title.trim().is_empty() {
                    self.push(Some(line), &place, "the title is empty");
                } else if title_chars > limits::TITLE_MAX_CHARS {
                    self.push(
                        Some(line),
                        &place,
                        format!(
                            "the title \"{}\" has {title_chars} characters; Messenger allows {}",
                            b.title,
                            limits::TITLE_MAX_CHARS
                        ),
                    );
                }
                match &b.next {
                    Some(next) if !step_ids.contains(next) => {
                        self.push(Some(line), &place, format!("`next` names step `{next}`, which does not exist"));
                    }
                    None if !b.handoff => {
                        self.push(
                            Some(line),
                            &place,
                            "a button needs `next` (or `handoff = true`, to ask for a person)",
                        );
                    }
                    _ => {}
                }
                let id = match (b.id, &b.next) {
                    (Some(id), _) => id,
                    (None, Some(next)) => next.clone(),
                    (None, None) => {
                        self.push(Some(line), &place, "a hand-off button without `next` needs an `id`");
                        String::new()
                    }
                };
                if !id.is_empty() {
                    self.check_id(line, &place, "the button id", &id);
                }
                if ButtonPayload::encode(flow, &id).len() > limits::PAYLOAD_MAX_BYTES {
                    self.push(Some(line), &place, "the button id is too long for a Messenger payload");
                }
                FlowButton { id, title: b.title, next: b.next, handoff: b.handoff }
            })
            .collect()
    }

    fn template(&mut self, line: usize, place: &str, source: &str, allowed: &[&str], limit: usize) -> Option<Template> {
        let template = match Template::parse(source) {
            Ok(t) => t,
            Err(e) => {
                self.push(Some(line), place, format!("the text is not a valid template: {e}"));
                return None;
            }
        };
        for var in template.variables() {
            if !allowed.contains(&var) {
                let hint = if var == COUPON_VAR { " (it is only set in a step that has `reveal`)" } else { "" };
                self.push(
                    Some(line),
                    place,
                    format!("unknown variable `{{{var}}}`{hint}; known here: {}", allowed.join(", ")),
                );
            }
        }
        let estimate = template.literal_chars() + template.variables().count() * PLACEHOLDER_CHARS;
        if estimate > limit {
            self.push(
                Some(line),
                place,
                format!("the text is too long: about {estimate} characters with its variables; Messenger allows {limit} here"),
            );
        }
        Some(template)
    }

    fn image(&mut self, line: usize, place: &str, image: String) -> ImageRef {
        if image.starts_with("https://") || image.starts_with("http://") {
            return ImageRef::Url(image);
        }
        let safe = !image.is_empty()
            && !image.starts_with('/')
            && image.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
            && !image.contains('\\');
        if !safe {
            self.push(
                Some(line),
                place,
                format!("image `{image}` must be an absolute http(s) URL or a file name beside the flow (no `..`, no leading `/`)"),
            );
        }
        ImageRef::Media(image)
    }

    fn coupon(&mut self, line: usize, id: &str, raw: RawCoupon, vars: &BTreeMap<String, String>) -> Coupon {
        let place = format!("coupon `{id}`");
        self.check_id(line, &place, "the coupon id", id);
        let codes = match (raw.code, raw.codes, raw.codes_file) {
            (Some(code), None, None) => {
                if code.trim().is_empty() {
                    self.push(Some(line), &place, "`code` is empty");
                }
                CouponCodes::Shared(code)
            }
            (None, Some(codes), None) => {
                let mut seen = BTreeSet::new();
                for code in &codes {
                    if code.trim().is_empty() {
                        self.push(Some(line), &place, "the pool has an empty code");
                    } else if !seen.insert(code) {
                        self.push(Some(line), &place, format!("code `{code}` is listed twice in the pool"));
                    }
                }
                CouponCodes::Pool(codes)
            }
            (None, None, Some(file)) => CouponCodes::PoolFile(file),
            _ => {
                self.push(
                    Some(line),
                    &place,
                    "give exactly one of `code` (one shared code), `codes` (a pool) or `codes_file`",
                );
                CouponCodes::Pool(Vec::new())
            }
        };
        let mut allowed: Vec<&str> = BUILTIN_VARS.to_vec();
        allowed.extend(vars.keys().map(String::as_str));
        let source = raw.exhausted.as_deref().unwrap_or(DEFAULT_EXHAUSTED);
        let exhausted = self
            .template(line, &place, source, &allowed, limits::TEXT_MAX_CHARS)
            .unwrap_or_else(|| Template::literal(DEFAULT_EXHAUSTED));
        let discount = raw.discount.and_then(|d| self.discount(line, &place, d));
        let ends = raw.ends.and_then(|ends| match ends.parse::<jiff::civil::Date>() {
            Ok(date) if ends.len() == 10 => Some(date),
            _ => {
                self.push(Some(line), &place, format!("`ends` is `{ends}`; write the last day as YYYY-MM-DD"));
                None
            }
        });
        Coupon { id: id.to_owned(), codes, exhausted, discount, ends }
    }

    fn discount(&mut self, line: usize, place: &str, raw: RawDiscount) -> Option<Discount> {
        match (raw.percent, raw.amount, raw.currency) {
            (Some(percent), None, None) => match u32::try_from(percent) {
                Ok(percent @ 1..=100) => Some(Discount::Percent(percent)),
                _ => {
                    self.push(
                        Some(line),
                        place,
                        format!("discount percent {percent} must be a whole number from 1 to 100"),
                    );
                    None
                }
            },
            (None, Some(amount), Some(currency)) => {
                let money = currency.parse().and_then(|currency| Money::parse_major(&amount, currency));
                match money {
                    Ok(money) if money.amount > 0 => Some(Discount::Amount(money)),
                    Ok(_) => {
                        self.push(Some(line), place, "a discount amount must be more than zero");
                        None
                    }
                    Err(e) => {
                        self.push(Some(line), place, format!("discount: {e}"));
                        None
                    }
                }
            }
            _ => {
                self.push(
                    Some(line),
                    place,
                    "give the discount as `{ percent = 20 }` or `{ amount = \"5.00\", currency = \"usd\" }`",
                );
                None
            }
        }
    }

    /// A chain of `next` links (a split step's variants included) that loops would send
    /// messages forever.
    fn check_next_cycles(&mut self, steps: &IndexMap<String, Step>) {
        // The steps a step leads to at once, without waiting for the contact.
        let onward = |id: &str| -> Vec<&str> {
            let Some(step) = steps.get(id) else { return Vec::new() };
            step.next.iter().map(String::as_str).chain(step.variants.iter().map(|v| v.next.as_str())).collect()
        };
        for start in steps.keys() {
            // Depth first over the onward links; a step met again on the current path loops.
            let mut path: Vec<(&str, Vec<&str>)> = vec![(start.as_str(), onward(start))];
            let mut done = BTreeSet::new();
            while let Some((_, pending)) = path.last_mut() {
                let Some(next) = pending.pop() else {
                    let (finished, _) = path.pop().unwrap_or_default();
                    done.insert(finished);
                    continue;
                };
                if path.iter().any(|(on_path, _)| *on_path == next) {
                    self.push(None, format!("step `{start}`"), "its `next` links loop back on themselves");
                    return;
                }
                if !done.contains(next) {
                    path.push((next, onward(next)));
                }
            }
        }
    }
}
