/** Entry of the status page bundle: styles, then the app into `#app`. */
import { render } from 'preact';
import '../styles.css';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
