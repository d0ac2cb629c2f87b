"""Demo data: the street 八里铺街道 (``seed_demo``) and the district around it (``--scale district``)."""
