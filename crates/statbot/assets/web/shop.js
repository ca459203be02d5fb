// The storefront's script (templates/shop.html): catalog, basket, accounts, checkout and orders
// through the shop's API. Served from /assets/ under a name with its hash; the page's settings
// come from data attributes on <body>, so that no script is inline.
"use strict";
(() => {
  const mode = document.body.dataset.mode;
  const $ = (id) => document.getElementById(id);
  const store = window.sessionStorage;
  let products = [];
  let basket = JSON.parse(window.localStorage.getItem("statbot_basket") || "{}");
  // One checkout's Idempotency-Key and payment method, kept until it settles so that a retry
  // after a lost answer is the same request and never a second charge.
  let attempt = null;

  // Decimals by statbot's currency table (Stripe's), not the browser's: they differ (HUF, ISK).
  const exponents = JSON.parse(document.body.dataset.exponents);
  function money(amount, currency) {
    const digits = exponents[currency.toLowerCase()] ?? 2;
    return new Intl.NumberFormat(undefined, {
      style: "currency", currency: currency.toUpperCase(), minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(amount / 10 ** digits);
  }
  function say(text, bad) { const m = $("message"); m.textContent = text || ""; m.className = bad ? "bad" : ""; }
  function token() { return store.getItem("statbot_shop_token"); }
  function key() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  async function api(method, path, body, headers = {}) {
    const h = { ...headers };
    if (body !== undefined) h["Content-Type"] = "application/json";
    if (token()) h["Authorization"] = "Bearer " + token();
    const response = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await response.json().catch(() => ({}));
    return { status: response.status, data };
  }
  function errorText(data) { return (data && data.error && data.error.message) || "Something went wrong."; }
  function saveBasket() { window.localStorage.setItem("statbot_basket", JSON.stringify(basket)); attempt = null; }

  function renderProducts() {
    const list = $("products");
    list.textContent = "";
    for (const p of products) {
      const li = document.createElement("li");
      li.dataset.product = p.sku;
      const text = document.createElement("div");
      const name = document.createElement("strong");
      name.textContent = p.name;
      const description = document.createElement("p");
      description.textContent = p.description;
      text.append(name, description);
      const price = document.createElement("span");
      price.className = "price";
      price.textContent = money(p.price, p.currency);
      const add = document.createElement("button");
      add.type = "button";
      add.textContent = "Add";
      add.setAttribute("aria-label", "Add " + p.name + " to the basket");
      add.addEventListener("click", () => { basket[p.id] = (basket[p.id] || 0) + 1; saveBasket(); renderBasket(); });
      li.append(text, price, add);
      list.append(li);
    }
    if (!products.length) list.innerHTML = '<li class="muted">Nothing on sale yet.</li>';
  }

  function basketLines() {
    return Object.entries(basket)
      .map(([id, quantity]) => ({ product: products.find((p) => p.id === Number(id)), quantity }))
      .filter((line) => line.product && line.quantity > 0);
  }

  function renderBasket() {
    const body = $("basket").tBodies[0];
    body.textContent = "";
    const lines = basketLines();
    let total = 0;
    for (const { product, quantity } of lines) {
      const row = body.insertRow();
      row.insertCell().textContent = quantity + " × " + product.name;
      row.insertCell().textContent = money(product.price * quantity, product.currency);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "plain";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove " + product.name);
      remove.addEventListener("click", () => { delete basket[product.id]; saveBasket(); renderBasket(); });
      row.insertCell().append(remove);
      total += product.price * quantity;
    }
    const currencies = new Set(lines.map((l) => l.product.currency));
    $("basket-total").textContent = !lines.length ? "Your basket is empty."
      : currencies.size === 1 ? "Total: " + money(total, lines[0].product.currency) : "One order is paid in one currency.";
    $("checkout").hidden = !token() || !lines.length;
  }

  function renderAccount() {
    const signedIn = Boolean(token());
    $("account").hidden = signedIn;
    $("who").hidden = !signedIn;
    $("orders").hidden = !signedIn;
    $("who-name").textContent = signedIn ? "Signed in as " + (store.getItem("statbot_shop_name") || "") : "";
    renderBasket();
    if (signedIn) loadOrders();
  }

  async function loadOrders() {
    const { status, data } = await api("GET", "/api/v1/orders");
    if (status === 401) { signOut(); say("Your session ended; please log in again.", true); return; }
    const body = $("order-rows");
    body.textContent = "";
    for (const o of data.orders || []) {
      const row = body.insertRow();
      row.dataset.orderId = o.id;
      row.insertCell().textContent = "#" + o.id;
      row.insertCell().textContent = o.items.map((i) => i.quantity + " × " + i.name).join(", ");
      row.insertCell().textContent = money(o.amount, o.currency);
      const cell = row.insertCell();
      cell.dataset.col = "status";
      cell.className = "status-" + o.status;
      cell.textContent = o.status.replace("_", " ") + (o.failure_message ? " — " + o.failure_message : "");
    }
    if (!body.rows.length) body.innerHTML = '<tr><td colspan="4" class="muted">No orders yet.</td></tr>';
  }

  function signIn(data) {
    store.setItem("statbot_shop_token", data.access_token);
    store.setItem("statbot_shop_name", data.user.first_name || data.user.username);
    renderAccount();
  }
  function signOut() { store.removeItem("statbot_shop_token"); store.removeItem("statbot_shop_name"); renderAccount(); }

  $("signup").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const { status, data } = await api("POST", "/api/v1/auth/signup", Object.fromEntries(form));
    if (status === 201) { event.target.reset(); signIn(data); say("Welcome, " + data.user.first_name + "!"); }
    else say(errorText(data), true);
  });
  $("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = { username: String(form.get("email")).trim().toLowerCase(), password: form.get("password") };
    const { status, data } = await api("POST", "/api/v1/auth/token", body);
    if (status === 200) { event.target.reset(); signIn(data); say("Logged in."); }
    else say(errorText(data), true);
  });
  $("logout").addEventListener("click", () => { signOut(); say("Logged out."); });

  let stripe = null, card = null;
  if (mode === "live" && window.Stripe && document.body.dataset.publishableKey) {
    stripe = window.Stripe(document.body.dataset.publishableKey);
    card = stripe.elements().create("card");
    card.mount("#card-element");
  }

  async function paymentMethod() {
    if (mode === "test") {
      const chosen = new FormData($("checkout")).get("test_card");
      const { status, data } = await api("POST", "/api/v1/test-payment-methods", { card: chosen });
      if (status !== 201) throw new Error(errorText(data));
      return data.payment_method;
    }
    if (!stripe) throw new Error("The card form could not load.");
    const result = await stripe.createPaymentMethod({ type: "card", card });
    if (result.error) throw new Error(result.error.message);
    return result.paymentMethod.id;
  }

  $("checkout").addEventListener("submit", async (event) => {
    event.preventDefault();
    const pay = $("pay");
    pay.disabled = true;
    say("Paying…");
    try {
      const items = basketLines().map((l) => ({ product_id: l.product.id, quantity: l.quantity }));
      const choice = mode === "test" ? new FormData($("checkout")).get("test_card") : "card";
      const coupon = $("coupon").value.trim();
      if (!attempt || attempt.choice !== choice || attempt.coupon !== coupon) {
        attempt = { key: key(), choice, coupon, method: await paymentMethod() };
      }
      const order = { items, payment_method: attempt.method };
      if (coupon) order.coupon = coupon;
      const { status, data } = await api("POST", "/api/v1/orders", order, { "Idempotency-Key": attempt.key });
      if (status === 201) {
        basket = {}; saveBasket(); renderBasket();
        say("Thank you! Order #" + data.id + " is paid.");
      } else if (status === 202) {
        basket = {}; saveBasket(); renderBasket();
        say("Order #" + data.id + " is being confirmed with the bank; its status will update here.");
      } else {
        if (status === 402 || status === 422) attempt = null;
        say(errorText(data), true);
      }
    } catch (error) {
      say(error.message || "The payment could not be sent; try again.", true);
    } finally {
      pay.disabled = mode === "off";
      loadOrders();
    }
  });

  (async () => {
    const { data } = await api("GET", "/api/v1/products");
    products = data.products || [];
    renderProducts();
    renderAccount();
  })();
})();
