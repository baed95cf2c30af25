// The handler every peer in bench/peers.js runs: it returns the event it was
// given, so what is measured is the runtime around it, not the function.
// CommonJS, as lambda-local, aws-lambda-ric and nanolambda's Node.js runtime
// all load it the same way ("index.handler").
'use strict';

exports.handler = async (event) => event;
