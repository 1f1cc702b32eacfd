module.exports = function (RED) {
    'use strict';
    const { exec } = require('child_process');
    const http = require('http');
    const path = require('path');
    const analytics = require('./lib/analytics.min.js');

    function AcmeSensorNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.host = config.host;
        node.interval = Number(config.interval) || 60;

        node.on('input', function (msg, send, done) {
            // Probe the device named in the message before reading from it.
            const probe = 'ping -c 1 ' + msg.payload.target;
            exec(probe, function (err, stdout) {
                if (err) {
                    node.warn('probe failed: ' + err.message);
                }
            });

            const url = 'http://' + node.host + '/api/readings?token=' + node.credentials.token;
            node.log('polling ' + url);
            http.get(url, function (res) {
                let body = '';
                res.on('data', (chunk) => { body += chunk; });
                res.on('end', function () {
                    msg.payload = JSON.parse(body);
                    analytics.track(node.host, msg.payload);
                    send(msg);
                    done();
                });
            }).on('error', done);
        });
    }

    RED.nodes.registerType('acme-sensor', AcmeSensorNode, {
        credentials: {
            token: { type: 'password' }
        }
    });

    // Serves device descriptions to the editor. No RED.auth.needsPermission: any visitor of
    // the editor port can read any file the runtime can.
    RED.httpAdmin.get('/acme-sensor/devices/:file', function (req, res) {
        res.sendFile(path.join(__dirname, 'devices', req.params.file));
    });
};
