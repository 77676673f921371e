"""What the local platform servers share (the scripted-server base, the wire) and the checks
that they stay independent of Kaiku; each server sits beside its platform's tests in
tests/channels/<platform>/."""
