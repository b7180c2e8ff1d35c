from django.urls import path

from . import api, api_receipts

urlpatterns = [
    path("me/assurance/", api.MyAssuranceView.as_view(), name="api-my-assurance"),
    path("receipts/verify", api_receipts.VerifyReceiptView.as_view(), name="api-receipt-verify"),
]
