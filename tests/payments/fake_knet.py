"""A fake KNET on loopback (a free port), speaking the same protocol as the portal's KNET gateway: it
decrypts `paymentInit` requests, makes the encrypted result KNET would POST back to `responseURL`, and answers
the action-8 inquiry. Behaviours for the fault tests: an inquiry that is slow, unreadable, for another
amount, or NOT CAPTURED. It stops when the test ends (and its threads are daemons)."""

import json
import secrets
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

from payments.gateways.knet import decode_fields, decrypt, encode_fields, encrypt

from .loopback import LoopbackServer

TRANPORTAL_ID = "900100"
PASSWORD = "pass-900100"
RESOURCE_KEY = "0123456789ABCDEF"


class FakeKnet(LoopbackServer):
    def __init__(self):
        self.payments = {}  # trackid → the request fields, plus "result", "tranid" once paid
        self.inquiries = 0
        self.refunds = []
        self.inquiry_mode = "normal"  # normal | slow | garbage | other_amount | not_captured
        super().__init__()

    def result_trandata(self, trackid, result="CAPTURED"):
        """What KNET POSTs to responseURL once the payer finished on its page."""
        request = self.payments[trackid]
        tranid = secrets.token_hex(6)
        request.update(result=result, tranid=tranid, paymentid=str(secrets.randbelow(10**15)))
        fields = {
            "paymentid": request["paymentid"],
            "result": result,
            "auth": "B12345" if result == "CAPTURED" else "",
            "ref": secrets.token_hex(4),
            "avr": "N",
            "postdate": "1204",
            "tranid": tranid,
            "trackid": trackid,
            "amt": request["amt"],
            **{f"udf{n}": request.get(f"udf{n}", "") for n in range(1, 6)},
        }
        return {"trandata": encrypt(encode_fields(fields), RESOURCE_KEY), "paymentid": request["paymentid"]}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body, content_type="text/plain"):
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _fields(self, form):
                if form.get("tranportalId") != TRANPORTAL_ID:
                    return None
                try:
                    fields = decode_fields(decrypt(form.get("trandata", ""), RESOURCE_KEY))
                except ValueError:
                    return None
                if fields.get("id") != TRANPORTAL_ID or fields.get("password") != PASSWORD:
                    return None
                return fields

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                form = dict(urllib.parse.parse_qsl(url.query))
                fields = self._fields(form) if url.path == "/pay" and form.get("param") == "paymentInit" else None
                if fields is None or fields.get("action") != "1" or fields.get("currencycode") != "414":
                    return self._answer(400, "!ERROR!-IPAY0100001-Invalid request")
                fake.payments[fields["trackid"]] = fields
                # KNET's real page asks for the card; this one shows what it understood.
                return self._answer(
                    200, json.dumps({key: v for key, v in fields.items() if key != "password"}), "application/json"
                )

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("ascii", "replace")))
                fields = self._fields(form) if self.path == "/inquiry" else None
                if fields is not None and fields.get("action") == "2":
                    fake.refunds.append(fields)
                    return self._answer(
                        200, f"<result>CAPTURED</result><amt>{fields['amt']}</amt><tranid>R{len(fake.refunds)}</tranid>"
                    )
                if fields is None or fields.get("action") != "8":
                    return self._answer(400, "<result>!ERROR!</result><error_text>IPAY0100001</error_text>")
                fake.inquiries += 1
                paid = fake.payments.get(fields.get("trackid"), {})
                mode = fake.inquiry_mode
                if mode == "slow":
                    time.sleep(2)
                if mode == "garbage":
                    return self._answer(200, "<<<%%% not xml at all")
                result = "NOT CAPTURED" if mode == "not_captured" else paid.get("result", "NOT CAPTURED")
                amount = "0.001" if mode == "other_amount" else paid.get("amt", fields.get("amt"))
                body = (
                    f"<result>{result}</result><amt>{amount}</amt><trackid>{fields.get('trackid')}</trackid>"
                    f"<tranid>{paid.get('tranid', '')}</tranid><payid>{paid.get('paymentid', '')}</payid>"
                    "<udf5>TrackID</udf5>"
                )
                return self._answer(200, body, "text/xml")

        return Handler
