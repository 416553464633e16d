import { render } from 'preact';
import '../styles/base.css';
import '../styles/chat.css';
import { CitizenChat, locate } from './Chat';
import { CitizenVideo } from './Video';

const { entry, base, video } = locate(location);
render(video ? <CitizenVideo entry={entry} base={base} /> : <CitizenChat entry={entry} base={base} />, document.getElementById('app')!);
