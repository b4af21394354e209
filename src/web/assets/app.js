'use strict';
document.getElementById('view').textContent = 'Loading…';
