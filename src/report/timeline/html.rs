//! A boot's time line as one self-contained HTML page: the SVG drawing of each boot, inline
//! CSS and a small inline script (zoom and pan on the time axis, filter by name or subsystem,
//! a boot selector). Nothing is fetched: the page opens from a mail attachment.

use super::svg;
use super::{escape_xml, BootTimeline};
use std::fmt::Write as _;

const PAGE_STYLE: &str = "\
body{font:13px sans-serif;margin:0;color:#222}\
header{position:sticky;top:0;background:#f7f7f7;border-bottom:1px solid #ddd;padding:6px 10px;z-index:1}\
header input{width:22em}\
header .hint{color:#666;margin-left:1em}\
section.boot{padding:4px 10px}\
section.boot[hidden]{display:none}\
.notes{color:#444;margin:4px 0 6px 0;padding-left:1.2em}\
.timeline{cursor:grab;user-select:none}\
.timeline.dragging{cursor:grabbing}";

/// Zoom, pan, filter and boot selection. The zoom is one CSS rule per boot (`.z` groups scale
/// along x), so zooming costs the same however many rows there are; the axis ticks and line
/// labels are redrawn from the `data-*` hooks.
const SCRIPT: &str = r#"
(function(){
  var NS='http://www.w3.org/2000/svg';
  var views=[];
  function fmt(v,step,unit){
    if(unit==='record'){return '#'+(Math.round(v)+1);}
    var d=Math.max(0,-Math.floor(Math.log10(step)));
    return v.toFixed(d)+' s';
  }
  function tickStep(span,count){
    var raw=Math.max(span/count,1e-9),p=Math.pow(10,Math.floor(Math.log10(raw)));
    var ms=[1,2,5,10];
    for(var i=0;i<ms.length;i++){if(ms[i]*p>=raw){return ms[i]*p;}}
    return 10*p;
  }
  function View(section,n){
    var svgEl=section.querySelector('svg.timeline');
    this.section=section;this.svg=svgEl;this.n=n;
    this.t0=parseFloat(svgEl.dataset.t0);this.t1=parseFloat(svgEl.dataset.t1);
    this.unit=svgEl.dataset.unit;this.lw=parseFloat(svgEl.dataset.labelWidth);
    this.pw=parseFloat(svgEl.dataset.plotWidth);this.rh=parseFloat(svgEl.dataset.rowHeight);
    this.top=parseFloat(svgEl.dataset.top);
    this.k=1;this.pan=0;
    this.style=document.createElement('style');document.head.appendChild(this.style);
    this.rows=Array.prototype.slice.call(svgEl.querySelectorAll('g.row'));
    this.visible=this.rows.length;
    var self=this;
    svgEl.addEventListener('wheel',function(e){
      e.preventDefault();
      var r=svgEl.getBoundingClientRect();
      var px=(e.clientX-r.left)*(parseFloat(svgEl.getAttribute('width'))/r.width)-self.lw;
      self.zoomAt(px,e.deltaY<0?1.25:0.8);
    },{passive:false});
    var drag=null;
    svgEl.addEventListener('mousedown',function(e){drag={x:e.clientX,pan:self.pan};svgEl.classList.add('dragging');});
    window.addEventListener('mousemove',function(e){if(drag){self.pan=drag.pan+(e.clientX-drag.x);self.apply();}});
    window.addEventListener('mouseup',function(){drag=null;svgEl.classList.remove('dragging');});
    this.apply();
  }
  View.prototype.scale=function(){return this.pw/(this.t1-this.t0)*this.k;};
  View.prototype.x=function(v){return this.lw+this.pan+(v-this.t0)*this.scale();};
  View.prototype.zoomAt=function(px,f){
    var k=Math.min(Math.max(this.k*f,1),1e6);
    this.pan=px-(px-this.pan)*(k/this.k);this.k=k;this.apply();
  };
  View.prototype.apply=function(){
    var rows=this.visible;
    var bottom=this.top+rows*this.rh;
    this.style.textContent='#tl-'+this.n+' .z{transform:translate('+(this.lw+this.pan)+'px,0) scale('+this.k+',1) translate('+(-this.lw)+'px,0)}';
    var axis=this.svg.querySelector('g.axis');
    while(axis.firstChild){axis.removeChild(axis.firstChild);}
    var from=this.t0+(-this.pan)/this.scale(),to=from+this.pw/this.scale();
    var step=tickStep(to-from,10);
    for(var t=Math.ceil(from/step)*step;t<=to;t+=step){
      var x=this.x(t);
      var l=document.createElementNS(NS,'line');
      l.setAttribute('class','tick');l.setAttribute('x1',x);l.setAttribute('x2',x);
      l.setAttribute('y1',this.top-4);l.setAttribute('y2',bottom);axis.appendChild(l);
      var tx=document.createElementNS(NS,'text');
      tx.setAttribute('class','tick-label');tx.setAttribute('x',x);tx.setAttribute('y',this.top-6);
      tx.textContent=fmt(t,step,this.unit);axis.appendChild(tx);
    }
    var self=this;
    this.svg.querySelectorAll('text.vlabel').forEach(function(label){
      var x=self.x(parseFloat(label.dataset.at));
      var right=x>self.lw+self.pw*0.8;
      label.setAttribute('x',right?x-3:x+3);
      label.setAttribute('text-anchor',right?'end':'start');
      label.style.display=(x<self.lw||x>self.lw+self.pw)?'none':'';
    });
    this.svg.querySelectorAll('.vlines line').forEach(function(line){line.setAttribute('y2',bottom);});
  };
  View.prototype.filter=function(text){
    var q=text.trim().toLowerCase(),n=0,self=this;
    this.rows.forEach(function(row){
      var hit=!q||row.dataset.device.toLowerCase().indexOf(q)>=0||row.dataset.subsystem.toLowerCase().indexOf(q)>=0;
      row.style.display=hit?'':'none';
      if(hit){row.setAttribute('transform','translate(0,'+(self.top+n*self.rh)+')');n++;}
    });
    this.visible=n;
    var h=this.top+n*this.rh+36;
    this.svg.setAttribute('height',h);
    this.svg.setAttribute('viewBox','0 0 '+this.svg.getAttribute('width')+' '+h);
    var legend=this.svg.querySelector('g.legend');
    if(legend){legend.setAttribute('transform','translate(4,'+(this.top+n*this.rh+14)+')');}
    this.apply();
  };
  var sections=document.querySelectorAll('section.boot');
  sections.forEach(function(s,n){views.push(new View(s,n));});
  function current(){
    for(var i=0;i<sections.length;i++){if(!sections[i].hidden){return views[i];}}
    return views[0];
  }
  var select=document.getElementById('boot-select');
  if(select){select.addEventListener('change',function(){
    sections.forEach(function(s,i){s.hidden=(String(i)!==select.value);});
  });}
  var filter=document.getElementById('filter');
  filter.addEventListener('input',function(){views.forEach(function(v){v.filter(filter.value);});});
  document.querySelectorAll('button[data-zoom]').forEach(function(b){
    b.addEventListener('click',function(){
      var v=current();if(!v){return;}
      var z=b.dataset.zoom;
      if(z==='reset'){v.k=1;v.pan=0;v.apply();}
      else{v.zoomAt(v.pw/2,z==='in'?2:0.5);}
    });
  });
  // A link can carry a view: #filter=TEXT&zoom=K (also how the tests drive the script).
  var hash=new URLSearchParams(location.hash.slice(1));
  if(hash.has('filter')){filter.value=hash.get('filter');views.forEach(function(v){v.filter(filter.value);});}
  if(hash.has('zoom')){views.forEach(function(v){v.zoomAt(0,parseFloat(hash.get('zoom'))||1);});}
  document.body.dataset.ready='1';
})();
"#;

/// The page for one or several boots.
pub fn render(timelines: &[BootTimeline]) -> String {
    let rows: usize = timelines.iter().map(|t| t.rows.len()).sum();
    let items: usize = timelines
        .iter()
        .flat_map(|t| t.rows.iter().map(|r| r.items.len()))
        .sum();
    let mut out = String::with_capacity(16384 + rows * 220 + items * 130);
    let title = match timelines {
        [only] => format!("probescope timeline: {}", only.name),
        _ => format!("probescope timeline: {} boots", timelines.len()),
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{PAGE_STYLE}{}</style></head><body><header><b>probescope timeline</b> ",
        escape_xml(&title),
        svg::STYLE
    );
    if timelines.len() > 1 {
        let _ = write!(out, "<label>boot <select id=\"boot-select\">");
        for (n, timeline) in timelines.iter().enumerate() {
            let _ = write!(
                out,
                "<option value=\"{n}\">{}</option>",
                escape_xml(&timeline.name)
            );
        }
        let _ = write!(out, "</select></label> ");
    }
    let _ = write!(
        out,
        "<label>filter <input id=\"filter\" type=\"search\" placeholder=\"device name or subsystem (platform, pci, initcall)\"></label> \
         <button data-zoom=\"in\">+</button><button data-zoom=\"out\">−</button><button data-zoom=\"reset\">reset</button>\
         <span class=\"hint\">wheel: zoom · drag: pan · hover a mark for its evidence</span></header>"
    );
    for (n, timeline) in timelines.iter().enumerate() {
        let _ = write!(
            out,
            "<section class=\"boot\" id=\"boot-{n}\" data-boot=\"{}\"{}>",
            escape_xml(&timeline.name),
            if n == 0 { "" } else { " hidden" }
        );
        if !timeline.notes.is_empty() {
            let _ = write!(out, "<ul class=\"notes\">");
            for note in &timeline.notes {
                let _ = write!(out, "<li class=\"note\">{}</li>", escape_xml(note));
            }
            let _ = write!(out, "</ul>");
        }
        out.push_str(&svg::render_boot(timeline, n, false));
        let _ = write!(out, "</section>");
    }
    let _ = writeln!(out, "<script>{SCRIPT}</script></body></html>");
    out
}
