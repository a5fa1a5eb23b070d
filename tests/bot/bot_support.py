"""Constants shared by the bot tests (ids, staff password, tiny valid files)."""

CITIZEN = 5551001
OTHER = 5551002
STAFF = 7770001
PASSWORD = "mat-khau-rat-dai"
# Smallest valid files whose type the intake recognises by their bytes.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
