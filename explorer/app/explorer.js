/* growthgraph network explorer: uses only the public GraphQL API at /graphql.
 *
 * Queries go out as automatic persisted queries (the hash first, the document on a miss);
 * sign-ups arrive live over the graphql-transport-ws protocol on the same path.
 */
(function () {
  "use strict";

  var ENDPOINT = "/graphql";
  var KEY_STORAGE = "growthgraph.explorer.apiKey";
  var LEADERBOARD_SIZE = 15;
  var LIVE_KEPT = 30;
  var TREE = [12, 6, 4]; // users drawn per parent at each level below the root

  var state = { key: sessionStorage.getItem(KEY_STORAGE) || "", cascade: null, socket: null, lastSeq: null };
  var hashes = {};

  function $(id) { return document.getElementById(id); }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) { node.className = className; }
    return node;
  }

  function headers() {
    var h = { "Content-Type": "application/json", "Accept": "application/json" };
    if (state.key) { h["X-API-Key"] = state.key; }
    return h;
  }

  function sha256(query) {
    if (hashes[query]) { return Promise.resolve(hashes[query]); }
    if (!window.crypto || !window.crypto.subtle) { return Promise.resolve(null); }
    var bytes = new TextEncoder().encode(query);
    return window.crypto.subtle.digest("SHA-256", bytes).then(function (buffer) {
      var hex = Array.prototype.map.call(new Uint8Array(buffer), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
      hashes[query] = hex;
      return hex;
    });
  }

  function post(body) {
    return fetch(ENDPOINT, { method: "POST", headers: headers(), body: JSON.stringify(body) })
      .then(function (response) { return response.json(); });
  }

  function missed(answer) {
    return (answer.errors || []).some(function (e) {
      return e.extensions && e.extensions.code === "PERSISTED_QUERY_NOT_FOUND";
    });
  }

  // One GraphQL request: the hash alone first, then the document with it if the server
  // does not hold it yet. Resolves with `data`; rejects with the first error's message.
  function gql(query, variables) {
    return sha256(query).then(function (hash) {
      var body = { variables: variables || {} };
      if (hash === null) {
        body.query = query;
        return post(body);
      }
      body.extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
      return post(body).then(function (answer) {
        if (!missed(answer)) { return answer; }
        body.query = query;
        return post(body);
      });
    }).then(function (answer) {
      if (answer.errors && answer.errors.length) {
        var first = answer.errors[0];
        var code = first.extensions && first.extensions.code ? " (" + first.extensions.code + ")" : "";
        throw new Error(first.message + code);
      }
      return answer.data;
    });
  }

  var REFERRER_FIELDS = "id kind ... on User { name } ... on Influencer { handle } ... on Partner { name }";

  function label(referrer) {
    var name = referrer.handle ? "@" + referrer.handle : referrer.name;
    return (name ? name + " " : "") + "(" + referrer.kind.toLowerCase() + " " + referrer.id + ")";
  }

  // --- leaderboard ------------------------------------------------------------------------

  var LEADERBOARD = "query ExplorerLeaderboard($degree: Int!, $limit: Int!, $since: DateTime) {\n" +
    "  topReferrers(degree: $degree, limit: $limit, since: $since) {\n" +
    "    signUps referrer { " + REFERRER_FIELDS + " }\n  }\n}";

  function loadLeaderboard() {
    var degree = parseInt($("degree").value, 10);
    var days = $("window").value;
    var since = days ? new Date(Date.now() - parseInt(days, 10) * 86400000).toISOString() : null;
    var list = $("leaderboard");
    var error = $("leaderboard-error");
    list.setAttribute("aria-busy", "true");
    return gql(LEADERBOARD, { degree: degree, limit: LEADERBOARD_SIZE, since: since })
      .then(function (data) {
        error.hidden = true;
        list.replaceChildren();
        data.topReferrers.forEach(function (row, index) {
          var item = document.createElement("li");
          item.appendChild(text("span", (index + 1) + ".", "rank"));
          var button = text("button", label(row.referrer));
          button.type = "button";
          button.dataset.kind = row.referrer.kind;
          button.dataset.id = row.referrer.id;
          button.addEventListener("click", function () { drawCascade(row.referrer); });
          item.appendChild(button);
          item.appendChild(text("span", String(row.signUps), "count"));
          item.dataset.id = row.referrer.id;
          item.dataset.kind = row.referrer.kind;
          list.appendChild(item);
        });
        if (!data.topReferrers.length) { list.appendChild(text("li", "No sign-ups in this window.", "empty")); }
      })
      .catch(function (e) { error.textContent = e.message; error.hidden = false; })
      .finally(function () { list.setAttribute("aria-busy", "false"); });
  }

  // --- cascade ----------------------------------------------------------------------------

  function levelQuery(depth) {
    // The nested `referrals` selection for the tree below one node, TREE[depth] per parent.
    if (depth >= TREE.length) { return ""; }
    return " referrals(first: " + TREE[depth] + ") { totalCount nodes { id name signedUpAt" +
      levelQuery(depth + 1) + " } }";
  }

  var CASCADE = "query ExplorerCascade($root: ReferrerRef!) {\n" +
    "  referralCascade(root: $root, maxDepth: 50) {\n" +
    "    total depth levels { depth signUps }\n" +
    "    root { " + REFERRER_FIELDS + levelQuery(0) + " }\n  }\n}";

  function treeElements(root) {
    var elements = [];
    var rootId = root.kind + ":" + root.id;
    elements.push({ data: { id: rootId, label: label(root), level: 0, kind: root.kind, ref: root.id } });
    function walk(parentId, connection, level) {
      if (!connection) { return; }
      connection.nodes.forEach(function (user) {
        var nodeId = "USER:" + user.id;
        elements.push({ data: { id: nodeId, label: user.id, level: level, kind: "USER", ref: user.id } });
        elements.push({ data: { id: parentId + ">" + nodeId, source: parentId, target: nodeId } });
        walk(nodeId, user.referrals, level + 1);
      });
      var more = connection.totalCount - connection.nodes.length;
      if (more > 0) {
        var moreId = parentId + ":more";
        elements.push({ data: { id: moreId, label: "+" + more + " more", level: level, kind: "MORE" } });
        elements.push({ data: { id: parentId + ">" + moreId, source: parentId, target: moreId } });
      }
    }
    walk(rootId, root.referrals, 1);
    return elements;
  }

  var LEVEL_COLOURS = ["#1d3557", "#457b9d", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51"];

  function drawCascade(referrer) {
    var summary = $("cascade-summary");
    summary.textContent = "Loading the cascade of " + label(referrer) + "…";
    return gql(CASCADE, { root: { kind: referrer.kind, id: referrer.id } }).then(function (data) {
      var cascade = data.referralCascade;
      if (!cascade) { summary.textContent = label(referrer) + " does not exist."; return; }
      summary.replaceChildren(
        text("strong", label(cascade.root)),
        text("span", ": " + cascade.total + " users below, " + cascade.depth + " levels deep (" +
          cascade.levels.map(function (l) { return "level " + l.depth + ": " + l.signUps; }).join(", ") + ")")
      );
      var elements = treeElements(cascade.root);
      if (state.cascade) { state.cascade.destroy(); }
      var container = $("cascade");
      container.dataset.root = cascade.root.kind + ":" + cascade.root.id;
      container.dataset.nodes = String(elements.filter(function (e) { return !e.data.source; }).length);
      state.cascade = cytoscape({
        container: container,
        elements: elements,
        layout: { name: "breadthfirst", directed: true, roots: [elements[0].data.id], spacingFactor: 1.1 },
        style: [
          { selector: "node", style: {
            "label": "data(label)", "font-size": 9, "color": "#222", "text-valign": "bottom",
            "width": 14, "height": 14,
            "background-color": function (n) { return LEVEL_COLOURS[Math.min(n.data("level"), LEVEL_COLOURS.length - 1)]; }
          } },
          { selector: "node[kind = 'MORE']", style: { "shape": "round-rectangle", "background-color": "#bbb" } },
          { selector: "node[level > 1]", style: { "text-rotation": 0.6, "text-margin-y": 8, "font-size": 8 } },
          { selector: "node[level = 0]", style: { "width": 24, "height": 24, "font-weight": "bold" } },
          { selector: "node.fresh", style: { "border-width": 3, "border-color": "#d00" } },
          { selector: "edge", style: { "width": 1, "line-color": "#aaa", "curve-style": "bezier",
            "target-arrow-shape": "triangle", "target-arrow-color": "#aaa", "arrow-scale": 0.6 } }
        ]
      });
      state.cascade.on("tap", "node[kind = 'USER']", function (event) { showUser(event.target.data("ref")); });
      state.cascade.on("tap", "node[level = 0][kind != 'USER']", function (event) {
        showReferrer(event.target.data("kind"), event.target.data("ref"));
      });
    }).catch(function (e) { summary.textContent = e.message; });
  }

  // --- a user's figures and attribution ------------------------------------------------------

  var USER = "query ExplorerUser($id: ID!) {\n" +
    "  user(id: $id) { id name email signedUpAt country plan channel campaignId\n" +
    "    referrals { totalCount } referredBy { " + REFERRER_FIELDS + " } }\n" +
    "  attributionPath(userId: $id) { " + REFERRER_FIELDS + " }\n}";

  function figure(list, term, value) {
    list.appendChild(text("dt", term));
    list.appendChild(text("dd", value === null || value === undefined ? "—" : String(value)));
  }

  function showUser(id) {
    var figures = $("user-figures");
    var path = $("attribution");
    $("details-hint").textContent = "Loading " + id + "…";
    return gql(USER, { id: id }).then(function (data) {
      figures.replaceChildren();
      path.replaceChildren();
      var user = data.user;
      if (!user) { $("details-hint").textContent = id + " does not exist."; return; }
      $("details-hint").textContent = "";
      figures.dataset.user = user.id;
      figure(figures, "id", user.id);
      figure(figures, "name", user.name);
      figure(figures, "email", user.email);
      figure(figures, "signed up", new Date(user.signedUpAt).toLocaleString());
      figure(figures, "country", user.country);
      figure(figures, "plan", user.plan);
      figure(figures, "channel", user.channel);
      figure(figures, "campaign", user.campaignId);
      figure(figures, "direct referrals", user.referrals.totalCount);
      var chain = data.attributionPath || [];
      if (!chain.length) { path.appendChild(text("li", "organic (no referrer)", "empty")); }
      chain.forEach(function (referrer) {
        var item = text("li", label(referrer));
        item.dataset.id = referrer.id;
        item.dataset.kind = referrer.kind;
        path.appendChild(item);
      });
      var draw = text("button", "Draw " + user.id + "'s cascade");
      draw.type = "button";
      draw.addEventListener("click", function () { drawCascade({ kind: "USER", id: user.id }); });
      figures.appendChild(draw);
    }).catch(function (e) { $("details-hint").textContent = e.message; });
  }

  function showReferrer(kind, id) {
    $("details-hint").textContent = "The root: " + kind.toLowerCase() + " " + id + ".";
  }

  // --- live sign-ups ------------------------------------------------------------------------

  var SIGN_UPS = "subscription ExplorerSignUps($after: Int) {\n" +
    "  signUps(after: $after) { seq at referrerKind referrerId user { id name signedUpAt } }\n}";

  function setLive(stateName) {
    var status = $("live-status");
    status.dataset.state = stateName;
    status.textContent = "live: " + stateName;
  }

  function addLive(event) {
    var list = $("live");
    var user = event.user;
    var referrer = event.referrerKind ? { kind: event.referrerKind, id: event.referrerId } : null;
    var by = referrer ? " ← " + referrer.kind.toLowerCase() + " " + referrer.id : " (organic)";
    var item = text("li", user.id + by);
    item.dataset.id = user.id;
    list.insertBefore(item, list.firstChild);
    while (list.children.length > LIVE_KEPT) { list.removeChild(list.lastChild); }
    var cy = state.cascade;
    if (cy && referrer) {
      var parentId = referrer.kind + ":" + referrer.id;
      var parent = cy.getElementById(parentId);
      if (parent.nonempty() && cy.getElementById("USER:" + user.id).empty()) {
        var level = parent.data("level") + 1;
        cy.add([
          { data: { id: "USER:" + user.id, label: user.id, level: level, kind: "USER", ref: user.id }, classes: "fresh" },
          { data: { id: parentId + ">USER:" + user.id, source: parentId, target: "USER:" + user.id } }
        ]);
        cy.layout({ name: "breadthfirst", directed: true, roots: [cy.nodes("[level = 0]")[0].id()], spacingFactor: 1.1 }).run();
        $("cascade").dataset.nodes = String(cy.nodes().length);
      }
    }
  }

  function connectLive() {
    if (state.socket) { state.socket.close(1000); }
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + ENDPOINT;
    var socket = new WebSocket(url, "graphql-transport-ws");
    state.socket = socket;
    setLive("connecting");
    socket.onopen = function () {
      socket.send(JSON.stringify({ type: "connection_init", payload: state.key ? { apiKey: state.key } : {} }));
    };
    socket.onmessage = function (message) {
      var frame = JSON.parse(message.data);
      if (frame.type === "connection_ack") {
        setLive("on");
        // Resume after the last event shown: nothing is missed or shown twice across reconnects.
        socket.send(JSON.stringify({ id: "sign-ups", type: "subscribe",
          payload: { query: SIGN_UPS, variables: { after: state.lastSeq } } }));
      } else if (frame.type === "next" && frame.payload && frame.payload.data) {
        var event = frame.payload.data.signUps;
        if (event && (state.lastSeq === null || event.seq > state.lastSeq)) {
          state.lastSeq = event.seq;
          addLive(event);
        }
      } else if (frame.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (frame.type === "error") {
        setLive("refused");
      }
    };
    socket.onclose = function (close) {
      if (state.socket !== socket) { return; }
      setLive(close.code === 1000 ? "off" : "reconnecting");
      if (close.code !== 4401 && close.code !== 4403) { setTimeout(connectLive, 3000); }
    };
  }

  // For scripts driving the page (the browser tests): the drawn cascade's graph.
  window.growthgraphExplorer = { cascade: function () { return state.cascade; } };

  // --- start --------------------------------------------------------------------------------

  $("api-key").value = state.key;
  $("key-form").addEventListener("submit", function (event) {
    event.preventDefault();
    state.key = $("api-key").value.trim();
    sessionStorage.setItem(KEY_STORAGE, state.key);
    loadLeaderboard();
    connectLive();
  });
  $("degree").addEventListener("change", loadLeaderboard);
  $("window").addEventListener("change", loadLeaderboard);
  loadLeaderboard();
  connectLive();
}());
