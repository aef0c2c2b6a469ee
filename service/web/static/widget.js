/*
 * Sieve comment widget. Plain JavaScript, no framework and no build step.
 *
 * Embed:
 *   <div id="sieve-comments" data-sieve-site="demo" data-sieve-thread="post-slug"></div>
 *   <script src="https://SIEVE/widget.js" async></script>
 * Optional: data-sieve-title, data-sieve-url, data-sieve-lang, data-sieve-theme (light|dark|auto).
 *
 * Everything renders inside an open shadow root, so the page's CSS cannot reach in and ours
 * cannot leak out; the --sieve-* custom properties are the way to adjust colours and fonts.
 * Text from readers is only ever inserted as text nodes, never parsed as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var API = script && script.src ? new URL(script.src).origin : "";
  var PAGE_SIZE = 20;
  var NUDGE_TOXICITY = 0.7;
  var FALLBACK_LIMITS = { body: 5000, author_name: 80, author_email: 254 };
  var EMAIL = /^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$/;
  var OWN_KEEP_MS = 7 * 24 * 3600 * 1000;

  /* The widget's words in each language it speaks; the language comes from data-sieve-lang,
     else the page's lang attribute, by its first part ("pt-BR" speaks "pt"), else English.
     A decision reads the same on the form and on the comment: posted (pending), held,
     rejected, approved. */
  var TEXT = {
    en: {
      heading: function (n) { return n === 1 ? "1 comment" : n + " comments"; },
      empty: "No comments yet. Be the first to write one.",
      loading: "Loading comments…",
      loadFailed: "The comments could not be loaded.",
      loadMore: "Load more comments",
      retry: "Try again",
      reply: "Reply",
      replyingTo: function (name) { return "Replying to " + name; },
      cancelReply: "Cancel reply",
      formTitle: "Leave a comment",
      name: "Name",
      email: "Email (optional, never shown)",
      body: "Comment",
      honeypot: "Leave this field empty",
      submit: "Post comment",
      sending: "Sending…",
      required: "Please fill this in.",
      tooLong: function (max) { return "Please keep this under " + max + " characters."; },
      badEmail: "This does not look like an email address.",
      checkFields: "Please check the highlighted fields.",
      awaiting: "Awaiting moderation",
      posted: "Thanks! Your comment is awaiting moderation.",
      held: "A moderator will review your comment before it appears.",
      rejected: "Your comment will not be published.",
      approved: "Your comment is published.",
      rateLimited: function (s) { return "Please wait " + s + " seconds before posting again."; },
      networkError: "Could not reach the comment server. Nothing you typed is lost.",
      serverError: "Something went wrong on the comment server. Nothing you typed is lost.",
      nudge: "This might come across as hurtful to others. Would you like to rephrase it?",
      nudgeEdit: "Edit my comment",
      nudgePost: "Post it anyway",
      notify: "Email me when someone replies",
      notifyNeedsEmail: "Enter your email to be told of replies.",
      confirmSent: "Check your inbox: we sent a link to confirm the reply notifications.",
      chars: function (n, max) { return n + " / " + max; },
    },
    de: {
      heading: function (n) { return n === 1 ? "1 Kommentar" : n + " Kommentare"; },
      empty: "Noch keine Kommentare. Schreiben Sie den ersten.",
      loading: "Kommentare werden geladen…",
      loadFailed: "Die Kommentare konnten nicht geladen werden.",
      loadMore: "Weitere Kommentare laden",
      retry: "Erneut versuchen",
      reply: "Antworten",
      replyingTo: function (name) { return "Antwort an " + name; },
      cancelReply: "Antwort abbrechen",
      formTitle: "Kommentar schreiben",
      name: "Name",
      email: "E-Mail (freiwillig, wird nie angezeigt)",
      body: "Kommentar",
      honeypot: "Dieses Feld leer lassen",
      submit: "Kommentar senden",
      sending: "Wird gesendet…",
      required: "Bitte füllen Sie dieses Feld aus.",
      tooLong: function (max) { return "Bitte bleiben Sie unter " + max + " Zeichen."; },
      badEmail: "Das sieht nicht wie eine E-Mail-Adresse aus.",
      checkFields: "Bitte prüfen Sie die markierten Felder.",
      awaiting: "Wartet auf Freigabe",
      posted: "Danke! Ihr Kommentar wartet auf Freigabe.",
      held: "Ein Moderator prüft Ihren Kommentar, bevor er erscheint.",
      rejected: "Ihr Kommentar wird nicht veröffentlicht.",
      approved: "Ihr Kommentar ist veröffentlicht.",
      rateLimited: function (s) { return "Bitte warten Sie " + s + " Sekunden, bevor Sie erneut kommentieren."; },
      networkError: "Der Kommentar-Server ist nicht erreichbar. Ihr Text bleibt erhalten.",
      serverError: "Beim Kommentar-Server ist ein Fehler aufgetreten. Ihr Text bleibt erhalten.",
      nudge: "Das könnte andere verletzen. Möchten Sie es anders formulieren?",
      nudgeEdit: "Kommentar bearbeiten",
      nudgePost: "Trotzdem senden",
      notify: "Mich per E-Mail über Antworten informieren",
      notifyNeedsEmail: "Bitte geben Sie Ihre E-Mail-Adresse an, um über Antworten informiert zu werden.",
      confirmSent: "Bitte prüfen Sie Ihr Postfach: Wir haben einen Link zur Bestätigung der Benachrichtigungen gesendet.",
      chars: function (n, max) { return n + " / " + max; },
    },
    fr: {
      heading: function (n) { return n <= 1 ? n + " commentaire" : n + " commentaires"; },
      empty: "Aucun commentaire pour l’instant. Soyez le premier à en écrire un.",
      loading: "Chargement des commentaires…",
      loadFailed: "Les commentaires n’ont pas pu être chargés.",
      loadMore: "Afficher plus de commentaires",
      retry: "Réessayer",
      reply: "Répondre",
      replyingTo: function (name) { return "Réponse à " + name; },
      cancelReply: "Annuler la réponse",
      formTitle: "Laisser un commentaire",
      name: "Nom",
      email: "E-mail (facultatif, jamais affiché)",
      body: "Commentaire",
      honeypot: "Laissez ce champ vide",
      submit: "Publier le commentaire",
      sending: "Envoi…",
      required: "Veuillez remplir ce champ.",
      tooLong: function (max) { return "Veuillez ne pas dépasser " + max + " caractères."; },
      badEmail: "Cette adresse e-mail ne semble pas valide.",
      checkFields: "Veuillez vérifier les champs signalés.",
      awaiting: "En attente de modération",
      posted: "Merci\u00a0! Votre commentaire est en attente de modération.",
      held: "Un modérateur examinera votre commentaire avant sa publication.",
      rejected: "Votre commentaire ne sera pas publié.",
      approved: "Votre commentaire est publié.",
      rateLimited: function (s) { return "Veuillez patienter " + s + " secondes avant de publier à nouveau."; },
      networkError: "Impossible de joindre le serveur de commentaires. Rien de ce que vous avez écrit n’est perdu.",
      serverError: "Une erreur s’est produite sur le serveur de commentaires. Rien de ce que vous avez écrit n’est perdu.",
      nudge: "Ce message pourrait blesser d’autres personnes. Voulez-vous le reformuler\u00a0?",
      nudgeEdit: "Modifier mon commentaire",
      nudgePost: "Publier quand même",
      notify: "Me prévenir par e-mail des réponses",
      notifyNeedsEmail: "Indiquez votre e-mail pour être prévenu des réponses.",
      confirmSent: "Consultez votre boîte de réception : nous avons envoyé un lien pour confirmer les notifications.",
      chars: function (n, max) { return n + " / " + max; },
    },
    es: {
      heading: function (n) { return n === 1 ? "1 comentario" : n + " comentarios"; },
      empty: "Todavía no hay comentarios. Sé el primero en escribir uno.",
      loading: "Cargando comentarios…",
      loadFailed: "No se pudieron cargar los comentarios.",
      loadMore: "Cargar más comentarios",
      retry: "Reintentar",
      reply: "Responder",
      replyingTo: function (name) { return "Respondiendo a " + name; },
      cancelReply: "Cancelar respuesta",
      formTitle: "Deja un comentario",
      name: "Nombre",
      email: "Correo electrónico (opcional, nunca se muestra)",
      body: "Comentario",
      honeypot: "Deja este campo vacío",
      submit: "Publicar comentario",
      sending: "Enviando…",
      required: "Rellena este campo.",
      tooLong: function (max) { return "Usa menos de " + max + " caracteres."; },
      badEmail: "Esto no parece una dirección de correo electrónico.",
      checkFields: "Revisa los campos marcados.",
      awaiting: "Pendiente de moderación",
      posted: "¡Gracias! Tu comentario está pendiente de moderación.",
      held: "Un moderador revisará tu comentario antes de que aparezca.",
      rejected: "Tu comentario no se publicará.",
      approved: "Tu comentario está publicado.",
      rateLimited: function (s) { return "Espera " + s + " segundos antes de volver a publicar."; },
      networkError: "No se pudo contactar con el servidor de comentarios. No se ha perdido nada de lo que escribiste.",
      serverError: "Algo falló en el servidor de comentarios. No se ha perdido nada de lo que escribiste.",
      nudge: "Esto podría resultar hiriente para otras personas. ¿Quieres reformularlo?",
      nudgeEdit: "Editar mi comentario",
      nudgePost: "Publicar de todos modos",
      notify: "Avisarme por correo cuando alguien responda",
      notifyNeedsEmail: "Escribe tu correo para recibir avisos de respuestas.",
      confirmSent: "Revisa tu correo: te enviamos un enlace para confirmar los avisos de respuestas.",
      chars: function (n, max) { return n + " / " + max; },
    },
    pt: {
      heading: function (n) { return n === 1 ? "1 comentário" : n + " comentários"; },
      empty: "Ainda não há comentários. Seja o primeiro a escrever um.",
      loading: "Carregando comentários…",
      loadFailed: "Não foi possível carregar os comentários.",
      loadMore: "Carregar mais comentários",
      retry: "Tentar novamente",
      reply: "Responder",
      replyingTo: function (name) { return "Respondendo a " + name; },
      cancelReply: "Cancelar resposta",
      formTitle: "Deixe um comentário",
      name: "Nome",
      email: "E-mail (opcional, nunca exibido)",
      body: "Comentário",
      honeypot: "Deixe este campo vazio",
      submit: "Publicar comentário",
      sending: "Enviando…",
      required: "Preencha este campo.",
      tooLong: function (max) { return "Use menos de " + max + " caracteres."; },
      badEmail: "Isto não parece um endereço de e-mail.",
      checkFields: "Verifique os campos destacados.",
      awaiting: "Aguardando moderação",
      posted: "Obrigado! Seu comentário está aguardando moderação.",
      held: "Um moderador vai revisar seu comentário antes que ele apareça.",
      rejected: "Seu comentário não será publicado.",
      approved: "Seu comentário foi publicado.",
      rateLimited: function (s) { return "Aguarde " + s + " segundos antes de publicar novamente."; },
      networkError: "Não foi possível conectar ao servidor de comentários. Nada do que você escreveu foi perdido.",
      serverError: "Algo deu errado no servidor de comentários. Nada do que você escreveu foi perdido.",
      nudge: "Isto pode soar ofensivo para outras pessoas. Quer reformular?",
      nudgeEdit: "Editar meu comentário",
      nudgePost: "Publicar mesmo assim",
      notify: "Avisar-me por e-mail quando alguém responder",
      notifyNeedsEmail: "Informe o seu e-mail para ser avisado de respostas.",
      confirmSent: "Verifique a sua caixa de entrada: enviámos um link para confirmar os avisos de respostas.",
      chars: function (n, max) { return n + " / " + max; },
    },
  };

  function uiLanguage(tag) {
    var primary = String(tag || "").toLowerCase().split(/[-_]/)[0];
    return TEXT.hasOwnProperty(primary) ? primary : "en";
  }

  /* What the reader is told of their comment once it is `status`: on the form and on it. */
  function decision(t, status) {
    return { pending: t.posted, held: t.held, rejected: t.rejected, approved: t.approved }[status] || "";
  }

  var CSS = [
    ":host { display: block !important; }",
    ".sieve { all: initial; display: block; box-sizing: border-box; max-width: 100%;",
    "  --_fg: var(--sieve-fg, #1f2328); --_bg: var(--sieve-bg, #ffffff);",
    "  --_muted: var(--sieve-muted, #59636e); --_accent: var(--sieve-accent, #0b5cad);",
    "  --_border: var(--sieve-border, #d1d9e0); --_error: var(--sieve-error, #b42318);",
    "  --_soft: var(--sieve-soft, #f6f8fa); --_radius: var(--sieve-radius, 8px);",
    "  font: 16px/1.5 var(--sieve-font, system-ui, -apple-system, 'Segoe UI', sans-serif);",
    "  color: var(--_fg); background: var(--_bg); padding: 1rem; border-radius: var(--_radius); }",
    ".sieve[data-theme=dark] { --_fg: var(--sieve-fg, #e6edf3); --_bg: var(--sieve-bg, #0d1117);",
    "  --_muted: var(--sieve-muted, #9198a1); --_accent: var(--sieve-accent, #4493f8);",
    "  --_border: var(--sieve-border, #3d444d); --_error: var(--sieve-error, #f85149);",
    "  --_soft: var(--sieve-soft, #151b23); }",
    "@media (prefers-color-scheme: dark) { .sieve[data-theme=auto] {",
    "  --_fg: var(--sieve-fg, #e6edf3); --_bg: var(--sieve-bg, #0d1117);",
    "  --_muted: var(--sieve-muted, #9198a1); --_accent: var(--sieve-accent, #4493f8);",
    "  --_border: var(--sieve-border, #3d444d); --_error: var(--sieve-error, #f85149);",
    "  --_soft: var(--sieve-soft, #151b23); } }",
    ".sieve *, .sieve *::before, .sieve *::after { box-sizing: border-box; }",
    "h2, h3 { font-size: 1.15rem; margin: 0 0 .75rem; }",
    "ol { list-style: none; margin: 0; padding: 0; }",
    "li.comment { margin: 0 0 .75rem; }",
    ".card { border: 1px solid var(--_border); border-radius: var(--_radius); padding: .6rem .8rem; }",
    ".own .card { border-style: dashed; }",
    "ol.replies { margin: .75rem 0 0 1.25rem; border-left: 2px solid var(--_border); padding-left: .75rem; }",
    "ol.replies:empty { display: none; }",
    ".meta { display: flex; flex-wrap: wrap; gap: .25rem .6rem; align-items: baseline;",
    "  font-size: .875rem; color: var(--_muted); }",
    ".author { font-weight: 600; color: var(--_fg); overflow-wrap: anywhere; }",
    ".text { margin: .35rem 0 .25rem; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".badge { font-size: .8rem; padding: 0 .45rem; border-radius: 999px; background: var(--_soft);",
    "  border: 1px solid var(--_border); }",
    ".notice { font-size: .875rem; color: var(--_muted); margin: .25rem 0 0; }",
    "button { font: inherit; font-size: .9rem; min-height: 2.25rem; padding: .3rem .8rem;",
    "  border-radius: var(--_radius); border: 1px solid var(--_border); cursor: pointer;",
    "  background: var(--_soft); color: var(--_fg); }",
    "button.link { min-height: 0; padding: 0; border: 0; background: none; color: var(--_accent);",
    "  text-decoration: underline; }",
    "button.primary { background: var(--_accent); border-color: var(--_accent); color: #fff; }",
    "button:disabled { opacity: .6; cursor: not-allowed; }",
    "button:focus-visible, input:focus-visible, textarea:focus-visible {",
    "  outline: 2px solid var(--_accent); outline-offset: 2px; }",
    "form { margin-top: 1.5rem; display: grid; gap: .75rem; }",
    ".row { display: grid; gap: .75rem; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); }",
    "label { display: block; font-size: .9rem; font-weight: 600; margin-bottom: .2rem; }",
    "input, textarea { display: block; width: 100%; font: inherit; color: var(--_fg);",
    "  background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius);",
    "  padding: .45rem .6rem; }",
    "textarea { min-height: 7rem; resize: vertical; }",
    "[aria-invalid=true] { border-color: var(--_error); }",
    ".field-error { color: var(--_error); font-size: .875rem; margin: .2rem 0 0; }",
    ".field-error:empty, .status:empty { display: none; }",
    ".counter { font-size: .8rem; color: var(--_muted); text-align: right; margin: .15rem 0 0; }",
    ".status { margin: 0; padding: .5rem .75rem; border-radius: var(--_radius); background: var(--_soft); }",
    ".actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }",
    ".replying { display: flex; gap: .6rem; align-items: center; font-size: .9rem; }",
    ".nudge { border: 1px solid var(--_accent); border-radius: var(--_radius); padding: .6rem .8rem; }",
    ".nudge p { margin: 0 0 .5rem; }",
    ".notify { display: flex; gap: .45rem; align-items: center; font-size: .9rem; }",
    ".notify input { display: inline-block; width: auto; margin: 0; }",
    ".notify label { display: inline; font-weight: normal; margin: 0; }",
    ".hp { position: absolute !important; left: -10000px; width: 1px; height: 1px; overflow: hidden; }",
    "[hidden] { display: none !important; }",
    "@media (max-width: 480px) { .sieve { padding: .5rem; }",
    "  ol.replies { margin-left: .5rem; padding-left: .5rem; } }",
  ].join("\n");

  /* DOM helper: children that are strings become text nodes, so nothing is parsed as HTML. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function codePoints(text) { return Array.from(text).length; }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  /* fetch with a timeout; resolves to {status, body, headers} or rejects on network failure. */
  function call(method, path, payload, timeoutMs) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, timeoutMs || 10000);
    var init = { method: method, signal: controller.signal, credentials: "omit", mode: "cors" };
    if (payload !== undefined) {
      init.headers = { "Content-Type": "application/json" };
      init.body = JSON.stringify(payload);
    }
    return fetch(API + path, init).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        clearTimeout(timer);
        return { status: response.status, body: body, headers: response.headers };
      });
    }, function (error) { clearTimeout(timer); throw error; });
  }

  function query(params) {
    return Object.keys(params).filter(function (k) { return params[k] != null; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); })
      .join("&");
  }

  function undecided(c) { return c.status === "pending" || c.status === "held"; }

  /* The reader's own comments on a thread, kept across reloads: undecided ones for as long as a
     moderator takes, decided ones for a week after the decision, in case a moderator sends one
     back for review. Every tab open on the thread shares them, so a save merges with what
     another tab saved meanwhile instead of overwriting it. */
  function OwnStore(key) {
    this.key = key;
  }
  OwnStore.prototype.load = function () {
    try {
      var items = JSON.parse(localStorage.getItem(this.key) || "[]");
      var now = Date.now();
      return (Array.isArray(items) ? items : []).filter(function (c) {
        return c && c.id && (undecided(c) || now - c.saved_at < OWN_KEEP_MS);
      });
    } catch (e) {
      return [];
    }
  };
  OwnStore.prototype.save = function (items) {
    var byId = {};
    this.load().concat(items).forEach(function (c) { byId[c.id] = c; });
    var kept = Object.keys(byId).map(function (id) { return byId[id]; })
      .filter(function (c) { return c.status !== "gone"; });
    try {
      if (kept.length) localStorage.setItem(this.key, JSON.stringify(kept));
      else localStorage.removeItem(this.key);
    } catch (e) { /* private browsing: the comment is simply not remembered */ }
    return kept;
  };

  function Widget(host) {
    this.host = host;
    this.site = host.getAttribute("data-sieve-site") || "";
    this.thread = host.getAttribute("data-sieve-thread") || location.pathname;
    this.title = host.getAttribute("data-sieve-title") || document.title || null;
    var url = host.getAttribute("data-sieve-url") || location.origin + location.pathname;
    this.url = /^https?:\/\//.test(url) ? url : null;
    var lang = host.getAttribute("data-sieve-lang") || document.documentElement.lang || "en";
    this.lang = lang.replace(/_/g, "-");  // dates in the page's own variant (pt-BR, en-GB)
    this.uiLang = uiLanguage(this.lang);
    this.t = TEXT[this.uiLang];
    var theme = host.getAttribute("data-sieve-theme");
    this.theme = ["light", "dark", "auto"].indexOf(theme) >= 0 ? theme : "light";
    this.store = new OwnStore("sieve:v1:" + API + ":" + this.site + ":" + this.thread);
    this.comments = [];
    this.count = 0;
    this.nextCursor = null;
    this.own = this.store.load();
    // Decided comments from an earlier visit are looked up once, in case one went back for review.
    this.unchecked = this.own.filter(function (c) { return !undecided(c); });
    this.decidedNow = {};  // ids decided while this page is open: shown with their decision
    this.replyTo = null;
    this.limits = FALLBACK_LIMITS;
    this.token = null;
    this.tokenAt = 0;
    this.minSubmitMs = 0;
    this.nudgedText = null;
    this.pollDelay = 1000;
    this.pollTimer = null;
    this.pollUntil = 0;
  }

  Widget.prototype.mount = function () {
    var t = this.t;
    var root = this.host.attachShadow({ mode: "open" });
    root.appendChild(el("style", {}, [CSS]));
    this.heading = el("h2", { id: "sieve-heading" }, [t.loading]);
    this.listStatus = el("p", { class: "status", role: "status", "aria-live": "polite" });
    this.list = el("ol", { class: "comments", "aria-labelledby": "sieve-heading" });
    this.moreButton = el("button", { type: "button", hidden: true, onclick: this.loadMore.bind(this) },
      [t.loadMore]);
    this.form = this.buildForm();
    root.appendChild(el("section", { class: "sieve", "data-theme": this.theme, lang: this.uiLang },
      [this.heading, this.listStatus, this.list, this.moreButton, this.form]));
    this.loadPage(null);
    this.fetchForm();
    this.render();
    this.startPolling();
  };

  Widget.prototype.buildForm = function () {
    var t = this.t, self = this;
    function field(name, label, control, extra) {
      var error = el("p", { class: "field-error", id: "sieve-" + name + "-error" });
      control.setAttribute("id", "sieve-" + name);
      control.setAttribute("name", name);
      control.setAttribute("aria-describedby", error.id);
      return el("div", { class: "field" }, [el("label", { for: control.id }, [label]), control,
        extra || null, error]);
    }
    this.inputs = {
      author_name: el("input", { type: "text", autocomplete: "name", required: true }),
      author_email: el("input", { type: "email", autocomplete: "email" }),
      body: el("textarea", { rows: 5, required: true }),
    };
    this.notify = el("input", { type: "checkbox", id: "sieve-notify_replies", name: "notify_replies" });
    this.notifyRow = el("div", { class: "notify", hidden: true }, [this.notify,
      el("label", { for: "sieve-notify_replies" }, [t.notify])]);
    this.honeypot = el("input", { type: "text", name: "website", id: "sieve-website", tabindex: -1,
      autocomplete: "off" });
    this.counter = el("p", { class: "counter", "aria-hidden": "true" });
    this.inputs.body.addEventListener("input", function () { self.updateCounter(); });
    this.replyLabel = el("span");
    this.replyBar = el("div", { class: "replying", hidden: true }, [this.replyLabel,
      el("button", { type: "button", class: "link", onclick: function () { self.setReplyTo(null); } },
        [t.cancelReply])]);
    this.formStatus = el("p", { class: "status", role: "status", "aria-live": "polite" });
    this.retryButton = el("button", { type: "button", hidden: true,
      onclick: function () { self.submit(true); } }, [t.retry]);
    this.submitButton = el("button", { type: "submit", class: "primary" }, [t.submit]);
    this.nudge = el("div", { class: "nudge", role: "alert", hidden: true }, [
      el("p", {}, [t.nudge]),
      el("div", { class: "actions" }, [
        el("button", { type: "button", onclick: function () {
          self.nudge.hidden = true; self.inputs.body.focus(); } }, [t.nudgeEdit]),
        el("button", { type: "button", onclick: function () { self.submit(true); } }, [t.nudgePost]),
      ]),
    ]);
    var form = el("form", { novalidate: true, "aria-labelledby": "sieve-form-title",
      onsubmit: function (event) { event.preventDefault(); self.submit(false); } }, [
      el("h3", { id: "sieve-form-title" }, [t.formTitle]),
      this.replyBar,
      el("div", { class: "row" }, [field("author_name", t.name, this.inputs.author_name),
        field("author_email", t.email, this.inputs.author_email)]),
      field("body", t.body, this.inputs.body, this.counter),
      this.notifyRow,
      el("div", { class: "hp", "aria-hidden": "true" }, [
        el("label", { for: "sieve-website" }, [t.honeypot]), this.honeypot]),
      this.nudge,
      el("div", { class: "actions" }, [this.submitButton, this.retryButton]),
      this.formStatus,
    ]);
    this.applyLimits();
    return form;
  };

  Widget.prototype.applyLimits = function () {
    this.inputs.author_name.setAttribute("maxlength", this.limits.author_name);
    this.inputs.author_email.setAttribute("maxlength", this.limits.author_email);
    this.inputs.body.setAttribute("maxlength", this.limits.body);
    this.updateCounter();
  };

  Widget.prototype.updateCounter = function () {
    this.counter.textContent = this.t.chars(codePoints(this.inputs.body.value), this.limits.body);
  };

  /* A render token (proof of when the form was shown) and the server's limits. */
  Widget.prototype.fetchForm = function () {
    var self = this;
    return call("GET", "/api/v1/comments/form?" + query({ site: this.site })).then(function (r) {
      if (r.status !== 200 || !r.body) return;
      self.token = r.body.render_token;
      self.tokenAt = Date.now();
      self.minSubmitMs = (r.body.min_submit_seconds || 0) * 1000;
      self.limits = r.body.limits || FALLBACK_LIMITS;
      self.notifyRow.hidden = !r.body.replies_by_mail;
      self.applyLimits();
    }, function () { /* the form still works without a token */ });
  };

  Widget.prototype.loadPage = function (cursor) {
    var self = this, t = this.t;
    this.moreButton.disabled = true;
    var path = "/api/v1/threads/comments?" + query({ site: this.site, thread: this.thread,
      limit: PAGE_SIZE, cursor: cursor });
    return call("GET", path).then(function (r) {
      if (r.status !== 200 || !r.body) throw new Error("status " + r.status);
      self.comments = self.comments.concat(r.body.comments);
      self.count = r.body.count;
      self.nextCursor = r.body.next_cursor;
      self.listStatus.textContent = "";
      self.loaded = true;
      self.render();
    }).catch(function () {
      self.listStatus.textContent = "";
      self.listStatus.appendChild(document.createTextNode(t.loadFailed + " "));
      self.listStatus.appendChild(el("button", { type: "button", class: "link",
        onclick: function () { self.loadPage(cursor); } }, [t.retry]));
      self.heading.textContent = t.heading(self.count);
    }).then(function () { self.moreButton.disabled = false; });
  };

  Widget.prototype.loadMore = function () { this.loadPage(this.nextCursor); };

  Widget.prototype.listedIds = function () {
    var ids = {};
    (function walk(items) {
      items.forEach(function (c) { ids[c.id] = true; walk(c.replies || []); });
    })(this.comments);
    return ids;
  };

  Widget.prototype.render = function () {
    var self = this, t = this.t;
    var listed = this.listedIds();
    var own = this.own.filter(function (c) {
      return !listed[c.id] && (undecided(c) || self.decidedNow[c.id]);
    });
    var extra = own.filter(function (c) { return c.status === "approved"; }).length;
    this.heading.textContent = this.loaded ? t.heading(this.count + extra) : t.loading;
    var nodes = {};
    var list = el("ol", { class: "comments", "aria-labelledby": "sieve-heading" });
    (function add(items, into) {
      items.forEach(function (c) {
        var item = self.renderComment(c, false);
        nodes[c.id] = item;
        into.appendChild(item);
        if (c.replies && c.replies.length) add(c.replies, item.querySelector("ol.replies"));
      });
    })(this.comments, list);
    // The reader's own comments join the list where they belong (under their parent if shown).
    own.forEach(function (c) {
      var parent = c.parent_id && nodes[c.parent_id];
      var item = self.renderComment(c, true);
      nodes[c.id] = item;
      (parent ? parent.querySelector("ol.replies") : list).appendChild(item);
    });
    if (this.loaded && !this.comments.length && !own.length) {
      list.appendChild(el("li", { class: "notice" }, [t.empty]));
    }
    this.list.replaceWith(list);
    this.list = list;
    this.moreButton.hidden = !this.nextCursor;
  };

  Widget.prototype.renderComment = function (c, own) {
    var self = this, t = this.t;
    var meta = el("div", { class: "meta" }, [
      el("span", { class: "author" }, [c.author_name]),
      el("time", { datetime: c.created_at }, [this.date(c.created_at)]),
    ]);
    var notice = null;
    if (own && undecided(c)) meta.appendChild(el("span", { class: "badge" }, [t.awaiting]));
    if (own && (c.status === "held" || c.status === "rejected")) {
      notice = el("p", { class: "notice" }, [decision(t, c.status)]);
    }
    var reply = c.status === "approved" || !own ? el("button", { type: "button", class: "link",
      onclick: function () { self.setReplyTo(c); } }, [t.reply]) : null;
    var classes = "comment" + (own ? " own" : "");
    return el("li", { class: classes, "data-comment-id": c.id, "data-status": own ? c.status : "approved" }, [
      el("article", { class: "card" }, [meta, el("p", { class: "text" }, [c.body]), notice, reply]),
      el("ol", { class: "replies" }),
    ]);
  };

  Widget.prototype.date = function (iso) {
    var when = new Date(iso);
    if (isNaN(when)) return "";
    var style = { dateStyle: "medium", timeStyle: "short" };
    try {
      return when.toLocaleString(this.lang, style);
    } catch (e) {  // a lang attribute that is no language tag
      return when.toLocaleString(this.uiLang, style);
    }
  };

  Widget.prototype.setReplyTo = function (comment) {
    this.replyTo = comment;
    this.replyBar.hidden = !comment;
    this.replyLabel.textContent = comment ? this.t.replyingTo(comment.author_name) : "";
    if (comment) this.inputs.body.focus();
  };

  Widget.prototype.values = function () {
    return {
      author_name: this.inputs.author_name.value.replace(/\s+/g, " ").trim(),
      author_email: this.inputs.author_email.value.trim(),
      body: this.inputs.body.value.trim(),
    };
  };

  /* The same limits the server applies, checked before anything is sent. */
  Widget.prototype.check = function (v) {
    var t = this.t, errors = {};
    if (!v.author_name) errors.author_name = t.required;
    else if (codePoints(v.author_name) > this.limits.author_name) errors.author_name = t.tooLong(this.limits.author_name);
    if (v.author_email && (!EMAIL.test(v.author_email) || v.author_email.length > this.limits.author_email)) {
      errors.author_email = t.badEmail;
    } else if (!v.author_email && this.wantsReplies()) {
      errors.author_email = t.notifyNeedsEmail;
    }
    if (!v.body) errors.body = t.required;
    else if (codePoints(v.body) > this.limits.body) errors.body = t.tooLong(this.limits.body);
    return errors;
  };

  Widget.prototype.wantsReplies = function () {
    return !this.notifyRow.hidden && this.notify.checked;
  };

  Widget.prototype.showErrors = function (errors) {
    var first = null, self = this;
    Object.keys(this.inputs).forEach(function (name) {
      var input = self.inputs[name];
      var message = errors[name] || "";
      input.setAttribute("aria-invalid", message ? "true" : "false");
      self.form.querySelector("#sieve-" + name + "-error").textContent = message;
      if (message && !first) first = input;
    });
    if (first) first.focus();
    return !!first;
  };

  Widget.prototype.say = function (message) { this.formStatus.textContent = message; };

  /* Asks the analyze endpoint whether the text reads as hostile; any failure means "no". */
  Widget.prototype.likelyToxic = function (text) {
    return call("POST", "/api/v1/analyze?" + query({ site: this.site }), { text: text }, 2000)
      .then(function (r) {
        if (r.status !== 200 || !r.body) return false;
        var score = typeof r.body.toxicity === "number" ? r.body.toxicity
          : r.body.labels && r.body.labels.toxicity;
        return typeof score === "number" && score >= NUDGE_TOXICITY;
      }, function () { return false; });
  };

  Widget.prototype.submit = function (confirmed) {
    var self = this, t = this.t;
    if (this.busy) return;
    var v = this.values();
    this.retryButton.hidden = true;
    if (this.showErrors(this.check(v))) { this.say(t.checkFields); return; }
    this.busy = true;
    this.submitButton.disabled = true;
    this.nudge.hidden = true;
    this.say(t.sending);
    var nudge = confirmed || this.nudgedText === v.body ? Promise.resolve(false) : this.likelyToxic(v.body);
    nudge.then(function (toxic) {
      if (toxic) {
        self.nudgedText = v.body;
        self.say("");
        self.nudge.hidden = false;
        return null;
      }
      // A person who types faster than the minimum is made to wait, not taken for a bot.
      var early = self.tokenAt + self.minSubmitMs + 200 - Date.now();
      return wait(self.token && early > 0 ? early : 0).then(function () { return self.send(v); });
    }).then(function () {
      self.busy = false;
      if (!self.rateLimitedUntil || Date.now() > self.rateLimitedUntil) self.submitButton.disabled = false;
    });
  };

  Widget.prototype.send = function (v) {
    var self = this, t = this.t;
    var payload = { site: this.site, thread: this.thread, author_name: v.author_name, body: v.body,
      website: this.honeypot.value };
    if (v.author_email) payload.author_email = v.author_email;
    if (v.author_email && this.wantsReplies()) payload.notify_replies = true;
    if (this.replyTo) payload.parent_id = this.replyTo.id;
    if (this.url) payload.thread_url = this.url;
    if (this.title) payload.thread_title = this.title.slice(0, 300);
    if (this.token) payload.render_token = this.token;
    return call("POST", "/api/v1/comments", payload).then(function (r) {
      if (r.status === 202) return self.accepted(r.body.id, payload);
      if (r.status === 429) return self.rateLimited(r);
      var error = (r.body && r.body.error) || {};
      if ((r.status === 400 || r.status === 413) && error.fields) {
        var fields = {}, other = [];
        Object.keys(error.fields).forEach(function (name) {
          if (self.inputs[name]) fields[name] = error.fields[name];
          else other.push(name + " " + error.fields[name]);
        });
        self.showErrors(fields);
        self.say(other.length ? other.join("; ") : t.checkFields);
        return;
      }
      self.say(error.message || t.serverError);
      self.retryButton.hidden = false;
    }, function () {
      self.say(t.networkError);
      self.retryButton.hidden = false;
    });
  };

  Widget.prototype.accepted = function (id, payload) {
    this.own.push({ id: id, parent_id: payload.parent_id || null, author_name: payload.author_name,
      body: payload.body, created_at: new Date().toISOString(), status: "pending", saved_at: Date.now() });
    this.own = this.store.save(this.own);
    this.inputs.body.value = "";
    this.updateCounter();
    this.nudgedText = null;
    this.setReplyTo(null);
    this.showErrors({});
    this.say(decision(this.t, "pending") + (payload.notify_replies ? " " + this.t.confirmSent : ""));
    this.notify.checked = false;
    this.render();
    this.pollDelay = 1000;
    this.startPolling();
  };

  Widget.prototype.rateLimited = function (r) {
    var self = this;
    var seconds = parseInt(r.headers.get("Retry-After"), 10);
    if (!(seconds > 0)) seconds = 60;
    this.rateLimitedUntil = Date.now() + seconds * 1000;
    this.submitButton.disabled = true;
    (function tick() {
      var left = Math.ceil((self.rateLimitedUntil - Date.now()) / 1000);
      if (left <= 0) { self.say(""); self.submitButton.disabled = false; return; }
      self.say(self.t.rateLimited(left));
      setTimeout(tick, 1000);
    })();
  };

  /* Polls the status of the reader's undecided comments, backing off to every 15 seconds. */
  Widget.prototype.startPolling = function () {
    this.pollUntil = Date.now() + 30 * 60 * 1000;
    if (!this.pollTimer) this.schedulePoll();
  };

  Widget.prototype.schedulePoll = function () {
    var self = this;
    var waiting = this.unchecked.length || this.own.some(undecided);
    if (!waiting || Date.now() > this.pollUntil) { this.pollTimer = null; return; }
    this.pollTimer = setTimeout(function () {
      self.poll().then(function () {
        self.pollDelay = Math.min(self.pollDelay * 1.5, 15000);
        self.schedulePoll();
      });
    }, this.pollDelay);
  };

  Widget.prototype.poll = function () {
    var self = this;
    var asked = this.own.filter(undecided).concat(this.unchecked);
    this.unchecked = [];
    return Promise.all(asked.map(function (c) {
      return call("GET", "/api/v1/comments/" + encodeURIComponent(c.id)).then(function (r) {
        if (r.status === 404) c.status = "gone";
        else if (r.status === 200 && r.body && r.body.status !== c.status) c.status = r.body.status;
        else return false;
        c.saved_at = Date.now();
        if (!undecided(c)) self.decidedNow[c.id] = true;
        self.say(decision(self.t, c.status));  // the form tells what the comment now says
        return true;
      }, function () { return false; });
    })).then(function (changed) {
      if (changed.indexOf(true) < 0) return;
      self.own = self.store.save(self.own);
      self.render();
    });
  };

  function boot() {
    var hosts = document.querySelectorAll("#sieve-comments, [data-sieve-site][data-sieve-thread]");
    Array.prototype.forEach.call(hosts, function (host) {
      if (!host.shadowRoot) new Widget(host).mount();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
