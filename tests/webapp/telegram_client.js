// The Telegram client around the Mini App in the browser tests (tests/webapp/telegram_stub.py).
(() => {
  const events = [];
  const buttons = { main: { is_visible: false }, back: { is_visible: false } };
  const receive = (type, data) => window.Telegram.WebView.receiveEvent(type, data);
  window.TelegramWebviewProxy = {
    postEvent(type, json) {
      const data = json ? JSON.parse(json) : "";
      events.push({ type, data });
      if (type === "web_app_setup_main_button") buttons.main = data;
      if (type === "web_app_setup_back_button") buttons.back = data;
      if (type === "web_app_request_file_download") {
        setTimeout(() => receive("file_download_requested", { status: "downloading" }), 0);
      }
    },
  };
  window.__client = {
    events,
    buttons,
    named(type) { return events.filter((e) => e.type === type).map((e) => e.data); },
    receive,
    pressMain() {
      const main = buttons.main;
      if (!main.is_visible || !main.is_active) throw new Error(`no Main button to press: ${JSON.stringify(main)}`);
      receive("main_button_pressed");
    },
    pressBack() {
      if (!buttons.back.is_visible) throw new Error("no Back button to press");
      receive("back_button_pressed");
    },
  };
})();
