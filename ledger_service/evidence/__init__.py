"""What evidence is: event schemas, unified social credit codes, ref rules, the demo story."""
