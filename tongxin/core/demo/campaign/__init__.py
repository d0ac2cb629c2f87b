"""The demo campaign "感党恩、听党话、跟党走": the demo street's eight weeks of work through the
services (``street``), and the district-wide volume for benchmarks by bulk insert (``district``)."""
