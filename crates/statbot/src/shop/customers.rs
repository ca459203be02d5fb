//! Customer sign-up: first and last name, a unique email address (which is also the account's
//! username for `POST /api/v1/auth/token`), and a password under the same rules as operators'.

use super::{Shop, ShopError};
use crate::auth;
use crate::store::{CustomerProfile, StoreError};
use serde::Deserialize;
use statbot_core::email::Email;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub password: String,
}

fn check_person_name(value: &str, field: &str) -> Result<String, ShopError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > 100 || value.chars().any(char::is_control) {
        return Err(ShopError::Invalid(format!("{field} is 1 to 100 characters")));
    }
    Ok(value.to_owned())
}

impl SignUp {
    /// The profile to store, or the first thing wrong with the form.
    pub fn check(&self) -> Result<CustomerProfile, ShopError> {
        let first_name = check_person_name(&self.first_name, "the first name")?;
        let last_name = check_person_name(&self.last_name, "the last name")?;
        let email: Email =
            self.email.parse().map_err(|e: statbot_core::email::BadEmail| ShopError::Invalid(e.to_string()))?;
        auth::check_password_rules(&self.password)?;
        Ok(CustomerProfile { user_id: 0, first_name, last_name, email: email.to_string() })
    }
}

impl Shop {
    /// Creates a customer account; returns its profile (with the new user id).
    pub async fn sign_up(&self, form: &SignUp) -> Result<CustomerProfile, ShopError> {
        let mut profile = form.check()?;
        let hash = auth::hash_password(form.password.clone()).await?;
        profile.user_id = self.store.create_customer(&profile, &hash).await.map_err(|e| match e {
            StoreError::Conflict(_) => ShopError::EmailTaken,
            other => other.into(),
        })?;
        tracing::info!(user_id = profile.user_id, "customer signed up");
        Ok(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(first: &str, email: &str, password: &str) -> SignUp {
        SignUp {
            first_name: first.into(),
            last_name: "Lovelace".into(),
            email: email.into(),
            password: password.into(),
        }
    }

    #[test]
    fn sign_up_forms_are_checked() {
        let profile = form(" Ada ", "Ada@Example.com", "long enough password").check().unwrap();
        assert_eq!((profile.first_name.as_str(), profile.email.as_str()), ("Ada", "ada@example.com"));
        assert!(form("", "ada@example.com", "long enough password").check().is_err());
        assert!(form("Ada", "ada", "long enough password").check().is_err());
        assert!(form("Ada", "ada@example.com", "short").check().is_err());
    }
}
