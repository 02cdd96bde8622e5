// Portcullis passkeys: a progressive enhancement, and the only script.
//
// A form marked data-passkey="create" (register) or "get" (sign in) carries
// the WebAuthn options from the server in data-options. This script asks
// the browser for the passkey, puts the answer (binary fields as base64url,
// the shape webauthn-rs reads) into the form's "credential" field and sends
// the form as usual. Without this script, or in a browser without passkeys,
// the passkey sections stay hidden and the authenticator app works as before.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBytes(item.id) });
    });
  }

  function creation(options) {
    var o = Object.assign({}, options);
    o.challenge = toBytes(o.challenge);
    o.user = Object.assign({}, o.user, { id: toBytes(o.user.id) });
    o.excludeCredentials = withIds(o.excludeCredentials);
    return navigator.credentials.create({ publicKey: o }).then(function (c) {
      return {
        id: c.id,
        rawId: toText(c.rawId),
        type: c.type,
        response: {
          attestationObject: toText(c.response.attestationObject),
          clientDataJSON: toText(c.response.clientDataJSON),
          transports: c.response.getTransports ? c.response.getTransports() : undefined
        },
        extensions: c.getClientExtensionResults()
      };
    });
  }

  function request(options) {
    var o = Object.assign({}, options);
    o.challenge = toBytes(o.challenge);
    o.allowCredentials = withIds(o.allowCredentials);
    return navigator.credentials.get({ publicKey: o }).then(function (a) {
      return {
        id: a.id,
        rawId: toText(a.rawId),
        type: a.type,
        response: {
          authenticatorData: toText(a.response.authenticatorData),
          clientDataJSON: toText(a.response.clientDataJSON),
          signature: toText(a.response.signature),
          userHandle: a.response.userHandle ? toText(a.response.userHandle) : null
        },
        extensions: a.getClientExtensionResults()
      };
    });
  }

  function start(form) {
    var section = form.closest("[data-passkey-section]");
    if (section) {
      section.hidden = false;
    }
    form.addEventListener("submit", function (event) {
      var field = form.querySelector("input[name=credential]");
      if (field.value) {
        return;
      }
      event.preventDefault();
      var options = JSON.parse(form.getAttribute("data-options")).publicKey;
      var ask = form.getAttribute("data-passkey") === "create" ? creation(options) : request(options);
      ask.then(
        function (answer) {
          field.value = JSON.stringify(answer);
          form.submit();
        },
        function () {
          var message = form.querySelector("[data-passkey-error]");
          message.hidden = false;
          message.focus();
        }
      );
    });
  }

  document.querySelectorAll("form[data-passkey]").forEach(start);
})();
